#!/usr/bin/env bash
# The one benchmark command (issue 6). Runs, in one go and on this machine:
#   1. API vs pgbench of the same create-payment transaction on one throw-away PostgreSQL
#      (c=16 and c=64), then the service in SQLite mode            -> bench/api/bench.py
#   2. preflight vs cfn-lint                                        -> bench/preflight/run.sh (if present)
#   3. synth vs an empty CDK app                                    -> bench/synth/run.sh (if present)
# and writes the tables into docs/benchmarks.md (each harness owns its own section).
#
#   bench/run.sh                 # 3 runs x 10 s per cell (the published numbers)
#   bench/run.sh --runs 5 --duration 20
#   bench/run.sh --quick         # 1 run x 3 s, smoke test only: prints, does not rewrite the docs
#   bench/run.sh --api-only      # skip the preflight and synth harnesses
# Not part of the test suite: it saturates the machine for several minutes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export PAYMENTS_REPO_ROOT="$root"

api_args=()
others=1
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; api_args+=(--runs 1 --duration 3 --warmup 2 --docs ""); shift ;;
    --api-only) others=0; shift ;;
    --runs|--duration|--concurrency|--sqlite-concurrency|--warmup) api_args+=("$1" "$2"); shift 2 ;;
    --skip-sqlite|--skip-postgres) api_args+=("$1"); shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

need_apt() { # need_apt COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "bench: installing $2 (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
}
need_apt wrk wrk
need_apt pgbench postgresql-client
need_apt psql postgresql-client
command -v python3 >/dev/null || need_apt python3 python3

echo "==> build the service (Release)"
dotnet build src/Payments.Api -c Release -nologo -clp:ErrorsOnly -v quiet

echo "==> API vs pgbench, SQLite mode"
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
