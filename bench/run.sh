#!/usr/bin/env bash
# The one benchmark command (issue 6). Runs, in one go and on this machine:
#   1. API vs pgbench of the same create-payment transaction on one throw-away PostgreSQL
#      (c=16 and c=64), with the floor (bench/floor: the same round trips through Kestrel +
#      Npgsql and no application), then the service in SQLite mode -> bench/api/bench.py
#   2. preflight vs cfn-lint                                        -> bench/preflight/run.sh (if present)
#   3. synth vs an empty CDK app                                    -> bench/synth/run.sh (if present)
# and writes the tables into docs/benchmarks.md (each harness owns its own section).
#
#   bench/run.sh                 # 3 runs x 10 s per cell (the published numbers)
#   bench/run.sh --runs 5 --duration 20
#   bench/run.sh --idle-runs 15  # runs at c=1 on PostgreSQL (default 15, at least --runs): the idle-latency A/B needs the pairs
#   bench/run.sh --pairs 9       # work per payment as back-to-back pairs of anchor and API (default 9; 0: none)
#   bench/run.sh --pairs-start as-is  # pairs on what the sweeps wrote, not on emptied tables (the default, equal terms)
#   bench/run.sh --quick         # 1 run x 3 s, smoke test only: prints, does not rewrite the docs
#   bench/run.sh --api-only      # skip the preflight and synth harnesses
#   bench/run.sh --artifacts DIR # build and publish into DIR (dotnet --artifacts-path; DIR/publish/...), not bench/results
#   bench/run.sh --no-build      # use the service already published (PAYMENTS_BENCH_SERVICE_DLL or bench/results/publish)
#   bench/run.sh --no-floor      # skip the floor service (a third of the PostgreSQL part's time)
#   bench/run.sh --anchor-concurrency 4,16,64 --anchor-batch 8  # the group-commit anchor: frozen pgbench script, and 8 payments per transaction (auto: the batch the service reached at c=64)
#   bench/run.sh --baseline DLL  # paired A/B: another build's Payments.Api.dll runs alternately with this one
#                --baseline-name TEXT  # what that build is (commit, how built), printed in the table
#   bench/run.sh --wait-quiet 600  # wait up to 600 s for the load average to drop below the core count
# Not part of the test suite: it saturates the machine for several minutes.
# Tools it needs are Debian packages and are installed when missing (apt-get update first):
# wrk (HTTP load with a Lua script: a unique Idempotency-Key per request), pgbench + psql
# (postgresql-client), the PostgreSQL server (scripts/pg.sh), hyperfine (the preflight/synth harnesses).
# Debian's "bombardier" package is NOT the HTTP load tester (it is a curses game), so it is not used.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export PAYMENTS_REPO_ROOT="$root"

api_args=()
others=1
quick=0
build=1
artifacts=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; api_args+=(--runs 1 --idle-runs 1 --pairs 1 --duration 3 --warmup 2 --docs ""); shift ;;
    --api-only) others=0; shift ;;
    --no-build) build=0; shift ;;
    --artifacts) artifacts="$2"; shift 2 ;;
    --runs|--idle-runs|--pairs|--pairs-start|--duration|--concurrency|--sqlite-concurrency|--anchor-concurrency|--anchor-batch|--warmup|--wait-quiet|--role|--baseline|--baseline-name) api_args+=("$1" "$2"); shift 2 ;;
    --skip-sqlite|--skip-postgres|--no-floor) api_args+=("$1"); shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# ---- tools: install what is missing, with one apt-get update first
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need wrk wrk
need pgbench postgresql-client
need psql postgresql-client
need hyperfine hyperfine
need gnuplot gnuplot-nox
need python3 python3
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  # shellcheck disable=SC2207
  missing=($(printf '%s\n' "${missing[@]}" | sort -u))
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "bench: missing ${missing[*]} and not root (no sudo): install them first" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "bench: installing ${missing[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for tool in wrk pgbench psql python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is still missing after apt-get" >&2; exit 1; }
done

# ---- the service under test: published as the Dockerfile publishes it (framework-dependent for
# this machine's runtime identifier, hence ReadyToRun; see Payments.Api.csproj), the floor the same way
case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
out=${artifacts:-$root/bench/results}/publish
if [ "$build" -eq 1 ]; then
  echo "==> publish the service and the floor (Release, $rid, ReadyToRun) into $out"
  extra=()
  [ -n "$artifacts" ] && extra=(--artifacts-path "$artifacts")
  for project in src/Payments.Api bench/floor; do
    dotnet publish "$project" -c Release -r "$rid" --self-contained false -p:UseAppHost=false \
      -nologo -clp:ErrorsOnly -v quiet "${extra[@]}" -o "$out/$(basename "$project")"
  done
  export PAYMENTS_BENCH_SERVICE_DLL="$out/Payments.Api/Payments.Api.dll"
  export PAYMENTS_BENCH_FLOOR_DLL="$out/floor/Payments.Bench.Floor.dll"
  export PAYMENTS_BENCH_BUILD="service and floor published as the Dockerfile publishes the image (\`dotnet publish -r $rid\`: ReadyToRun, default tiered compilation with dynamic PGO)"
fi
dll=${PAYMENTS_BENCH_SERVICE_DLL:-$out/Payments.Api/Payments.Api.dll}
[ -f "$dll" ] || { echo "bench: the service is not published at $dll (drop --no-build, or set PAYMENTS_BENCH_SERVICE_DLL)" >&2; exit 1; }
export PAYMENTS_BENCH_SERVICE_DLL="$dll"

echo "==> API vs pgbench, SQLite mode (service: $dll)"
python3 bench/api/bench.py "${api_args[@]}"

if [ "$others" -eq 1 ]; then
  for harness in bench/preflight/run.sh bench/synth/run.sh; do
    if [ -f "$harness" ]; then
      echo "==> $harness"
      # BENCH_QUICK=1 asks a harness for a short smoke run; harnesses may ignore it.
      BENCH_QUICK=$quick bash "$harness"
    else
      echo "==> $harness: not present, skipped"
    fi
  done
fi
echo "==> done; results in docs/benchmarks.md"
