#!/usr/bin/env bash
# Preflight vs cfn-lint on public CloudFormation templates (issue 14): the templates listed in
# bench/preflight/public-corpus.txt (repository, commit, path; the templates themselves are never committed),
# extracted from local mirrors of the repositories at the listed commits, checked in ONE process each:
# preflight (ReadyToRun and Native AOT, published by bench/preflight/publish.sh as for run.sh) and cfn-lint on the same files.
# Reports crashes, templates with error findings, error findings by rule, wall time (preflight: hyperfine median
# of 5; cfn-lint: its one run, minutes long, with the few templates it crashes on in processes of their own) and
# the ratio; writes its
# section of docs/benchmarks.md (between the bench:public-corpus markers) unless BENCH_QUICK=1.
#   bench/preflight/public-corpus.sh                          # mirrors in /work/.mirror (owner+repo/…)
#   PUBLIC_CORPUS_MIRROR=/path/to/mirrors bench/preflight/public-corpus.sh
#   BENCH_QUICK=1 bench/preflight/public-corpus.sh            # one run each, prints only
# A mirror is a git directory (bare, or a checkout's .git) named owner+repo, or with a repo/ git dir inside,
# e.g. fetched with `git clone --mirror https://github.com/widdix/aws-cf-templates widdix+aws-cf-templates`.
# Regenerate the list from the mirrors' HEADs with bench/preflight/public_corpus.py list MIRROR LIST.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
quick=${BENCH_QUICK:-0}
mirror=${PUBLIC_CORPUS_MIRROR:-/work/.mirror}
work=${PREFLIGHT_BENCH_WORK:-/tmp/preflight-public-corpus}
list=bench/preflight/public-corpus.txt
helper=bench/preflight/public_corpus.py
mkdir -p "$work"

# shellcheck source=bench/preflight/publish.sh
. bench/preflight/publish.sh
bench_require_tools

echo "==> extracting the listed templates from $mirror into $work/corpus"
rm -rf "$work/corpus"
python3 "$helper" extract "$mirror" "$list" "$work/corpus"
python3 "$helper" files "$list" "$work/corpus" >"$work/files.txt"
mapfile -t files <"$work/files.txt"

publish_preflight "$work"
fastest=${aot:-$preflight}

echo "==> findings: preflight and cfn-lint over ${#files[@]} templates, one process each (cfn-lint's run is also its wall time)"
set +e
"$fastest" check "${files[@]}" --format json --output "$work/preflight.json"
preflight_rc=$?
# cfn-lint loses every finding of a process when it crashes on one template (cfn-lint 1.51 does on a null
# `Parameters:`): those few templates get a process each, inside the timed span; a non-bit-flag exit code or a
# traceback is a crash.
python3 "$helper" lint-alone "$work/files.txt" >"$work/lint-alone.txt"
grep -vxF -f "$work/lint-alone.txt" "$work/files.txt" >"$work/lint-together.txt" || true
mapfile -t together <"$work/lint-together.txt"
mapfile -t alone <"$work/lint-alone.txt"
: >"$work/cfnlint-crashes.txt"
load_lint_start=$(cut -d' ' -f1 /proc/loadavg)
lint_start=$(date +%s.%N)
cfn-lint --format parseable -- "${together[@]}" >"$work/cfnlint.txt" 2>"$work/cfnlint.err"
rc=$?
if [ $((rc & 1)) -ne 0 ] || [ "$rc" -gt 14 ] || grep -q Traceback "$work/cfnlint.err"; then
  echo "bench: cfn-lint crashed on the shared run (exit $rc, see $work/cfnlint.err)" >&2; exit 1
fi
for file in "${alone[@]}"; do
  cfn-lint --format parseable -- "$file" >>"$work/cfnlint.txt" 2>"$work/cfnlint-one.err"
  rc=$?
  if [ $((rc & 1)) -ne 0 ] || [ "$rc" -gt 14 ] || grep -q Traceback "$work/cfnlint-one.err"; then echo "$file" >>"$work/cfnlint-crashes.txt"; fi
done
lint_end=$(date +%s.%N)
load_lint_end=$(cut -d' ' -f1 /proc/loadavg)
set -e
echo "    preflight exit code $preflight_rc; cfn-lint: ${#together[@]} templates in one process, ${#alone[@]} alone ($(wc -l <"$work/cfnlint-crashes.txt") crashed), $(wc -l <"$work/cfnlint.txt") finding lines in $(python3 -c "print(f'{$lint_end - $lint_start:.1f}')") s"

runs=5
[ "$quick" = "1" ] && runs=1
results="$work/results"; mkdir -p "$results"
printf '%s\n' "${files[@]}" >"$work/args.txt"
echo "==> wall time"
# hyperfine -N splits the command on spaces: the corpus paths contain none (the list is checked for that).
if grep -q ' ' "$work/args.txt"; then echo "bench: a template path contains a space; hyperfine -N cannot pass it" >&2; exit 1; fi
joined=$(tr '\n' ' ' <"$work/args.txt")
load_preflight=$(cut -d' ' -f1 /proc/loadavg)
hf preflight-r2r --runs "$runs" --warmup 1 "$preflight check $joined --format json --output $work/r2r.json"
[ -n "$aot" ] && hf preflight-aot --runs "$runs" --warmup 1 "$aot check $joined --format json --output $work/aot.json"

python3 - "$results" "$work/times.json" "$lint_start" "$lint_end" <<'PY'
import json, os, sys
results, out, lint_start, lint_end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
def med(name):
    path = os.path.join(results, name + ".json")
    return json.load(open(path))["results"][0]["median"] if os.path.exists(path) else None
json.dump({"r2r": med("preflight-r2r"), "aot": med("preflight-aot"), "cfnlint": lint_end - lint_start}, open(out, "w"))
PY

summary=$(python3 "$helper" report "$list" "$work/corpus" "$work/preflight.json" "$work/cfnlint.txt" "$work/times.json" "$preflight_rc" "$work/cfnlint-crashes.txt")
commit=$(git rev-parse --short HEAD)
load=$(cut -d' ' -f1 /proc/loadavg)
cfn=$(cfn-lint --version)
commits=$(grep -v '^#' "$list" | cut -d' ' -f1,2 | sort -u | awk '{printf "%s`%s` @ `%s`", (NR>1?", ":""), $1, substr($2,1,12)}')
section=$(cat <<EOF
<!-- bench:public-corpus:begin (written by bench/preflight/public-corpus.sh) -->

## Preflight vs cfn-lint on public templates

The templates of \`bench/preflight/public-corpus.txt\` ($commits), each tool in one process over all of them;
$cfn; preflight published as Native AOT and ReadyToRun (\`-r linux-x64\`). Measured $(date -u '+%Y-%m-%d %H:%M') UTC at
commit $commit on the shared 2 cores (other engineers' builds run too); 1-minute load average $load_lint_start at
cfn-lint's start, $load_lint_end at its end, $load_preflight before preflight's runs, $load at the end: the ratio is from
one run, and when the load moves between those points it moves the ratio too. Every remaining error finding is reviewed in
[preflight.md](preflight.md#public-corpus-review).

$summary

<!-- bench:public-corpus:end -->
EOF
)
echo "$section"
if [ "$quick" != "1" ]; then
  SECTION="$section" python3 - <<'PY'
import os, re
path = "docs/benchmarks.md"
section = os.environ["SECTION"]
text = open(path).read()
pattern = re.compile(r"<!-- bench:public-corpus:begin.*?<!-- bench:public-corpus:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
open(path, "w").write(text)
print(f"wrote {path}")
PY
fi
