#!/usr/bin/env bash
# Runs the fault tests (tests/Payments.FaultTests) N times in a row (default 3), as issue 6 asks
# ("all six fault tests pass every time"), and prints one line per round plus a summary.
#   bench/fault-repeat.sh [N] [--artifacts DIR] [--filter EXPR]
# Starts its own PostgreSQL unless PAYMENTS_TEST_POSTGRES is set; builds once, then runs with --no-build.
# --artifacts DIR builds the service and the tests into DIR (dotnet --artifacts-path), away from src/*/bin.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rounds=3
artifacts=""
filter=()
while [ $# -gt 0 ]; do
  case "$1" in
    --artifacts) artifacts="$2"; shift 2 ;;
    --filter) filter=(--filter "$2"); shift 2 ;;
    [0-9]*) rounds="$1"; shift ;;
    *) echo "usage: bench/fault-repeat.sh [N] [--artifacts DIR] [--filter EXPR]" >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PAYMENTS_REPO_ROOT="$root"

pgdir=""
if [ -z "${PAYMENTS_TEST_POSTGRES:-}" ]; then
  pgdir=$(mktemp -d /tmp/payments-fault-repeat-pg.XXXXXX)
  PAYMENTS_TEST_POSTGRES=$("$root/scripts/pg.sh" start "$pgdir") || { echo "could not start PostgreSQL"; exit 1; }
  export PAYMENTS_TEST_POSTGRES
fi
out=$(mktemp -d /tmp/payments-fault-repeat.XXXXXX)
cleanup() { [ -n "$pgdir" ] && { "$root/scripts/pg.sh" stop "$pgdir"; rm -rf "$pgdir"; }; }
trap cleanup EXIT

if [ -n "$artifacts" ]; then
  dotnet build tests/Payments.FaultTests -c Release -nologo -clp:ErrorsOnly -v quiet --artifacts-path "$artifacts" || exit 1
  export PAYMENTS_FAULT_SERVICE_DLL="$artifacts/bin/Payments.Api/release/Payments.Api.dll"
  target="$artifacts/bin/Payments.FaultTests/release/Payments.FaultTests.dll"
else
  dotnet build tests/Payments.FaultTests -c Release -nologo -clp:ErrorsOnly -v quiet || exit 1
  target=tests/Payments.FaultTests
fi

failed_rounds=0
for i in $(seq 1 "$rounds"); do
  start=$(date +%s)
  if [ -n "$artifacts" ]; then
    dotnet test "$target" "${filter[@]}" --logger "trx;LogFileName=round$i.trx" \
      --results-directory "$out" > "$out/round$i.log" 2>&1
  else
    dotnet test "$target" -c Release --no-build -nologo "${filter[@]}" --logger "trx;LogFileName=round$i.trx" \
      --results-directory "$out" > "$out/round$i.log" 2>&1
  fi
  rc=$?
  summary=$(python3 - "$out/round$i.trx" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception as e:
    print(f"no result file ({e})"); sys.exit()
c = root.find("{*}ResultSummary/{*}Counters")
failed = [r.get("testName") for r in root.iter("{*}UnitTestResult") if r.get("outcome") != "Passed"]
print(f"{c.get('passed')} passed, {int(c.get('failed')) + int(c.get('error', 0))} failed of {c.get('total')}"
      + (": " + "; ".join(failed) if failed else ""))
PY
)
  echo "round $i: $summary ($(( $(date +%s) - start )) s, exit $rc)"
  [ "$rc" -ne 0 ] && { failed_rounds=$((failed_rounds + 1)); tail -60 "$out/round$i.log"; }
done
echo "fault tests: $((rounds - failed_rounds)) of $rounds rounds passed (logs: $out)"
[ "$failed_rounds" -eq 0 ]
