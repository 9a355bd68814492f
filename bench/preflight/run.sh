#!/usr/bin/env bash
# Preflight vs cfn-lint, same run, same templates, wall time including process start (hyperfine).
#   1. the platform's cdk.out (CDK_OUT=DIR, else ./cdk.out, else a fresh synth into the work dir,
#      else the first 3 corpus templates), preflight as a ReadyToRun-published app and as
#      `dotnet run --no-build` (what scripts/test.sh does), cfn-lint on the same template files;
#   2. generated corpora of 10, 100 and 1,000 templates (bench/preflight/make_corpus.py, seeded):
#      preflight on each (linearity), cfn-lint on the same files (1,000 once: it takes minutes).
# Writes its section of docs/benchmarks.md (between the bench:preflight markers) unless BENCH_QUICK=1.
#   bench/preflight/run.sh                      # full run (~10-15 min on 2 cores, mostly cfn-lint)
#   BENCH_QUICK=1 bench/preflight/run.sh        # 10/100 templates, one run each, prints only
#   PREFLIGHT_BENCH_WORK=/tmp/x CDK_OUT=cdk.out CDK_OUT_SOURCE="platform synth at abc123" bench/preflight/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION=1 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
quick=${BENCH_QUICK:-0}
work=${PREFLIGHT_BENCH_WORK:-/tmp/preflight-bench}
mkdir -p "$work"

# shellcheck source=bench/preflight/publish.sh
. bench/preflight/publish.sh
bench_require_tools

publish_preflight "$work"
dotnet build src/Payments.Preflight -c Release -v quiet -nologo >/dev/null

cdk_out=${CDK_OUT:-}
cdk_source=""
if [ -z "$cdk_out" ] && [ -f cdk.out/manifest.json ]; then cdk_out=cdk.out; cdk_source="repository cdk.out"; fi
if [ -z "$cdk_out" ]; then
  echo "==> synthesizing the platform into $work/cdk.out"
  rm -rf "$work/cdk.out"
  if CDK_OUTDIR="$work/cdk.out" timeout 900 dotnet run --project src/Payments.Platform -c Release \
       --artifacts-path "$work/platform-artifacts" >"$work/synth.log" 2>&1 && [ -f "$work/cdk.out/manifest.json" ]; then
    cdk_out="$work/cdk.out"; cdk_source="platform synth (\`dotnet run --project src/Payments.Platform\`)"
  fi
fi
[ -n "$cdk_source" ] || cdk_source=${CDK_OUT_SOURCE:-"given CDK_OUT=$cdk_out"}

sizes="10 100 1000"; runs=5; lint_runs=3
if [ "$quick" = "1" ]; then sizes="10 100"; runs=1; lint_runs=1; fi
for n in $sizes; do
  [ -d "$work/corpus-$n" ] || python3 bench/preflight/make_corpus.py "$work/corpus-$n" "$n" 4
done

if [ -n "$cdk_out" ] && [ -f "$cdk_out/manifest.json" ]; then
  mapfile -t cdk_templates < <(python3 - "$cdk_out" <<'PY'
import json, os, sys
def walk(d):
    m = json.load(open(os.path.join(d, "manifest.json")))
    for a in m.get("artifacts", {}).values():
        p = a.get("properties", {})
        if a.get("type") == "aws:cloudformation:stack":
            print(os.path.join(d, p["templateFile"]))
        elif a.get("type") == "cdk:cloud-assembly":
            walk(os.path.join(d, p["directoryName"]))
walk(sys.argv[1])
PY
)
  cdk_target="$cdk_out"
else
  cdk_source="no cdk.out could be synthesized: first 3 corpus templates stand in"
  mapfile -t cdk_templates < <(ls "$work"/corpus-10/* | head -3)
  cdk_target="${cdk_templates[*]}"
fi
echo "==> cdk.out: ${#cdk_templates[@]} templates ($cdk_source)"

results="$work/results"; mkdir -p "$results"

echo "==> platform templates"
# shellcheck disable=SC2086
hf cdk-preflight --runs $((runs * 2)) --warmup 2 "$preflight check $cdk_target --format json"
[ -n "$aot" ] && hf cdk-preflight-aot --runs $((runs * 2)) --warmup 2 "$aot check $cdk_target --format json"
hf cdk-preflight-dotnet-run --runs "$runs" --warmup 1 "dotnet run --project src/Payments.Preflight -c Release --no-build -- check $cdk_target --format json"
hf cdk-cfnlint --runs "$lint_runs" --warmup 0 "cfn-lint --format parseable -- ${cdk_templates[*]}"

for n in $sizes; do
  echo "==> corpus of $n templates"
  hf "corpus-$n-preflight" --runs "$runs" --warmup 1 "$preflight check $work/corpus-$n --format json"
  [ -n "$aot" ] && hf "corpus-$n-preflight-aot" --runs "$runs" --warmup 1 "$aot check $work/corpus-$n --format json"
  r=$lint_runs; [ "$n" -ge 1000 ] && r=1
  lint_files=$(printf '%s ' "$work/corpus-$n"/*)
  hf "corpus-$n-cfnlint" --runs "$r" --warmup 0 "cfn-lint --format parseable -- $lint_files"
done

python3 - "$results" "$quick" "$cdk_source" "${#cdk_templates[@]}" "$sizes" <<'PY'
import datetime, json, os, re, subprocess, sys
results, quick, cdk_source, cdk_count, sizes = sys.argv[1], sys.argv[2] == "1", sys.argv[3], int(sys.argv[4]), sys.argv[5].split()
def med(name):
    path = os.path.join(results, name + ".json")
    return json.load(open(path))["results"][0]["median"] if os.path.exists(path) else None
def ms(value):
    return "—" if value is None else f"{value*1000:.0f} ms"
rows = [("Platform cdk.out", cdk_count, "cdk")] + [(f"Corpus {n}", int(n), f"corpus-{n}") for n in sizes]
lines = ["| Templates | Count | preflight Native AOT | preflight ReadyToRun | cfn-lint | cfn-lint / fastest preflight |", "|---|---:|---:|---:|---:|---:|"]
times = {}
for label, count, key in rows:
    r2r, aot, lint = med(f"{key}-preflight"), med(f"{key}-preflight-aot"), med(f"{key}-cfnlint")
    best = min(t for t in (r2r, aot) if t is not None)
    times[key] = best
    lines.append(f"| {label} | {count} | {ms(aot)} | {ms(r2r)} | {ms(lint)} | {lint/best:.0f}× |")
linear = ""
if "corpus-100" in times and "corpus-1000" in times:
    slope = (times["corpus-1000"] - times["corpus-100"]) / 900
    linear = (f"Linearity: 100 → 1,000 templates takes {times['corpus-1000']/times['corpus-100']:.1f}× the time "
              f"(marginal cost {slope*1000:.2f} ms per template; the fixed part is process start and rule data).")
dotnet_run = med("cdk-preflight-dotnet-run")
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
load = open("/proc/loadavg").read().split()[0]
cfn = subprocess.run(["cfn-lint", "--version"], capture_output=True, text=True).stdout.strip()
section = f"""<!-- bench:preflight:begin (written by bench/preflight/run.sh) -->

## Preflight vs cfn-lint

Wall time including process start (hyperfine medians), same templates in the same run; {cfn};
preflight published as Native AOT (`-p:PublishAot=true`) and ReadyToRun (`-p:PublishReadyToRun=true`), `-r linux-x64`.
Platform templates: {cdk_source}. Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC
at commit {commit}, 1-minute load average {load} on the shared 2 cores (other engineers' builds run too).

{chr(10).join(lines)}

{linear}

`dotnet run --project src/Payments.Preflight --no-build -- check` (what `scripts/test.sh` runs) on the
platform templates: {dotnet_run*1000:.0f} ms — the SDK's `dotnet run` start-up adds most of that.
Preflight's rules cover deploy-time failures cfn-lint does not check; cfn-lint checks the schema
deeply. The ratio is about speed on the same input, not equal work.

<!-- bench:preflight:end -->"""
print(section)
if not quick:
    path = "docs/benchmarks.md"
    text = open(path).read()
    pattern = re.compile(r"<!-- bench:preflight:begin.*?<!-- bench:preflight:end -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    open(path, "w").write(text)
    print(f"wrote {path}")
PY
