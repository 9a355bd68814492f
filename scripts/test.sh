#!/usr/bin/env bash
# The one command that runs every test of the repository on a fresh machine of this kind.
# It installs what the tests need (npm tools, PostgreSQL and headless Chromium if missing), starts a throw-away
# PostgreSQL server, runs all .NET test projects (SQLite and PostgreSQL, fault tests included),
# runs the post-deploy verification suite against the local service, synthesizes the CDK app, gates
# cfn-lint (warnings included), our own preflight and cdk-nag's AwsSolutions pack on every template, runs
# the Node tests (Lambda code, the cdk-nag checker), and ends with one "N passed, N failed" line.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION=1 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
export PAYMENTS_REPO_ROOT="$root"

passed=0
failed=0
failures=()
results=$(mktemp -d /tmp/payments-test.XXXXXX)

step() { echo; echo "==> $*"; }
record() { # record NAME EXIT_CODE
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}

pgdir=$(mktemp -d /tmp/payments-pg.XXXXXX)
cleanup() { "$root/scripts/pg.sh" stop "$pgdir" || true; rm -rf "$pgdir"; }
trap cleanup EXIT

step "tools: npm packages (aws-cdk CLI, s3rver, cdk-nag, iam-simulate)"
if ! npm ci --no-audit --no-fund --loglevel=error; then
  echo "npm ci failed"; exit 1
fi

step "tools: dotnet local tools (Kiota, for the client generated from the served OpenAPI document)"
if ! dotnet tool restore; then
  echo "dotnet tool restore failed"; exit 1
fi
step "browser: headless Chromium for the dashboard tests (tests/Payments.Dashboard.Tests)"
# The Debian package where apt has it; elsewhere (the CodeBuild image) the tests let Playwright install its own.
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    # A fresh machine has empty package lists: apt knows no chromium until they are fetched once.
    apt-cache show chromium >/dev/null 2>&1 || apt-get update -qq >/dev/null 2>&1 || echo "apt-get update failed"
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && apt-cache show chromium >/dev/null 2>&1; then
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; } || echo "apt-get install chromium failed: Playwright will install its own"
  else
    echo "no Debian chromium package here: Playwright installs its own browser when the tests start"
  fi
fi
command -v chromium >/dev/null 2>&1 && chromium --version

step "PostgreSQL: throw-away server"
if ! PAYMENTS_TEST_POSTGRES=$("$root/scripts/pg.sh" start "$pgdir"); then
  echo "could not start PostgreSQL"; cat "$pgdir/server.log" 2>/dev/null; exit 1
fi
export PAYMENTS_TEST_POSTGRES
echo "PostgreSQL at $PAYMENTS_TEST_POSTGRES"

step "build"
if ! dotnet build Payments.slnx -c Release -nologo -clp:ErrorsOnly; then
  echo "build failed"; exit 1
fi

step ".NET tests"
dotnet test Payments.slnx -c Release --no-build -nologo \
  --logger "trx" --results-directory "$results/trx" 2>&1 | tee "$results/dotnet-test.log"
dotnet_rc=${PIPESTATUS[0]}
# Count individual test cases from the result files so the summary line is exact.
# The names of failed tests go to a file that the final summary repeats: CI keeps only the tail of the output.
read -r t_passed t_failed < <(python3 - "$results/trx" "$results/failed-tests.txt" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
p = f = 0
names = []
for path in glob.glob(sys.argv[1] + "/*.trx"):
    root = ET.parse(path).getroot()
    c = root.find("{*}ResultSummary/{*}Counters")
    if c is not None:
        p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    for r in root.iter("{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}UnitTestResult"):
        if r.get("outcome") not in ("Passed", "NotExecuted"):
            msg = r.find("{*}Output/{*}ErrorInfo/{*}Message")
            first = (msg.text or "").strip().splitlines()[0][:300] if msg is not None and msg.text else ""
            names.append(f"{r.get('testName')} :: {first}")
open(sys.argv[2], "w").write("\n".join(names) + ("\n" if names else ""))
print(p, f)
PY
)
passed=$((passed + ${t_passed:-0}))
failed=$((failed + ${t_failed:-0}))
if [ "$dotnet_rc" -ne 0 ] && [ "${t_failed:-0}" -eq 0 ]; then record "dotnet test (exit $dotnet_rc)" 1; fi
[ "${t_failed:-0}" -gt 0 ] && failures+=("${t_failed} .NET test(s)")

step "post-deploy verification suite against the local service (tests/Payments.Verification/run-local.sh)"
"$root/tests/Payments.Verification/run-local.sh"
record "post-deploy verification (local)" $?

step "synthesize every environment (cdk synth)"
rm -rf cdk.out
# PAYMENTS_IMAGE_TAG (the pipeline's Test action: the commit id) synthesizes the task definitions with that
# image of the environment's repository, the assembly the pipeline deploys; unset, the bootstrap image asset.
npx cdk synth --quiet -o cdk.out ${PAYMENTS_IMAGE_TAG:+-c "imageTag=$PAYMENTS_IMAGE_TAG"} > "$results/synth.log" 2>&1
synth_rc=$?
[ $synth_rc -ne 0 ] && tail -50 "$results/synth.log"
record "cdk synth" $synth_rc

# prod's other database engine (the table defaults it to Aurora): the RDS instance variant is gated too.
rm -rf cdk.out.instance
npx cdk synth --quiet -o cdk.out.instance -c environments=prod -c databaseEngine:prod=instance > "$results/synth-instance.log" 2>&1
synth_instance_rc=$?
[ $synth_instance_rc -ne 0 ] && tail -50 "$results/synth-instance.log"
record "cdk synth (prod on an RDS instance)" $synth_instance_rc
[ $synth_instance_rc -ne 0 ] && synth_rc=$synth_instance_rc

if [ $synth_rc -eq 0 ]; then
  mapfile -t templates < <(find cdk.out cdk.out.instance -name '*.template.json' | sort)
  echo "${#templates[@]} templates"

  step "cfn-lint, gated on warnings"
  cfn-lint --format parseable --non-zero-exit-code warning -- "${templates[@]}"
  record "cfn-lint" $?

  step "preflight over cdk.out"
  dotnet run --project src/Payments.Preflight -c Release --no-build -- check cdk.out
  record "preflight" $?
  dotnet run --project src/Payments.Preflight -c Release --no-build -- check cdk.out.instance
  record "preflight (prod on an RDS instance)" $?

  step "cdk-nag AwsSolutions over cdk.out (suppressions only from template metadata, each with a reason)"
  node scripts/cdk-nag-check.js cdk.out
  record "cdk-nag" $?
  node scripts/cdk-nag-check.js cdk.out.instance
  record "cdk-nag (prod on an RDS instance)" $?
fi

mapfile -t node_tests < <(compgen -G "src/Payments.Platform/Lambda/*.test.js"; compgen -G "src/Payments.Platform/Lambda/*/*.test.js"; compgen -G "scripts/*.test.js")
if [ ${#node_tests[@]} -gt 0 ]; then
  step "Node code (Lambda functions, scripts): node --test"
  # The files, not the folder: Node >= 21 globs its arguments and runs a bare directory as a module
  # (MODULE_NOT_FOUND, nodejs/node#64555); only Node 20 still searched it. CI uses Node 22.
  node --test "${node_tests[@]}" 2>&1 | tee "$results/node.log"
  node_rc=${PIPESTATUS[0]}
  n_pass=$(grep -E '^# pass' "$results/node.log" | awk '{print $3}')
  n_fail=$(grep -E '^# fail' "$results/node.log" | awk '{print $3}')
  passed=$((passed + ${n_pass:-0})); failed=$((failed + ${n_fail:-0}))
  if [ "$node_rc" -ne 0 ] && [ "${n_fail:-0}" -eq 0 ]; then record "node --test (exit $node_rc)" 1; fi
fi

echo
if [ -s "$results/failed-tests.txt" ]; then echo "Failed .NET tests:"; sed 's/^/  /' "$results/failed-tests.txt"; fi
if [ ${#failures[@]} -gt 0 ]; then printf 'FAILED: %s\n' "${failures[@]}"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
