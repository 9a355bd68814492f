#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server for tests and benchmarks.
#   scripts/pg.sh start DIR [PORT]   -> prints a Npgsql connection string on stdout
#   scripts/pg.sh stop DIR
# PG_MAX_CONNECTIONS (default 300) sets max_connections, e.g. for a benchmark with hundreds of clients.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
# (created by the Debian package) on a data directory that user owns.
set -euo pipefail

cmd=${1:?usage: pg.sh start|stop|crash DIR [PORT]}
dir=${2:?usage: pg.sh start|stop|crash DIR [PORT]}

find_bin() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_installed() {
  if ! find_bin >/dev/null; then
    echo "pg.sh: installing PostgreSQL server packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  fi
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo 55432
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

case "$cmd" in
  start)
    ensure_installed
    bin=$(find_bin)
    port=${3:-$(free_port)}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # The superuser the tests administer with stays password-less; every other login must present its
    # password (SCRAM), so tests of password rotation and of the app's own login prove something.
    # pg_hba.conf takes the first matching line.
    if ! grep -q '^host all all 127.0.0.1/32 scram-sha-256' "$dir/pg_hba.conf"; then
      hba=$(mktemp)
      {
        echo "local all postgres trust"
        echo "host all postgres 127.0.0.1/32 trust"
        echo "host all postgres ::1/128 trust"
        echo "host all all 127.0.0.1/32 scram-sha-256"
        echo "host all all ::1/128 scram-sha-256"
        cat "$dir/pg_hba.conf"
      } > "$hba"
      cat "$hba" > "$dir/pg_hba.conf"
      rm -f "$hba"
    fi
    # Test server: durability traded for speed is NOT acceptable for the fault tests, so fsync stays on.
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c max_connections=${PG_MAX_CONNECTIONS:-300} -c unix_socket_directories=$dir -c shared_buffers=256MB" \
      start >/dev/null
    echo "$port" > "$dir/port"
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop)
    bin=$(find_bin)
    [ -f "$dir/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  crash)
    # Immediate shutdown: every server process quits without a checkpoint, as in a power cut of the
    # database host; the next start runs crash recovery from the WAL.
    bin=$(find_bin)
    [ -f "$dir/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: pg.sh start|stop|crash DIR [PORT]" >&2; exit 2 ;;
esac
