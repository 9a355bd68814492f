# Shared by bench/preflight/run.sh and bench/preflight/public-corpus.sh (sourced, not run).

# Installs hyperfine if missing; fails when cfn-lint, the tool preflight is compared with, is missing.
bench_require_tools() {
  command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
  command -v cfn-lint >/dev/null || { echo "bench: cfn-lint is not installed (pip install cfn-lint)" >&2; return 1; }
}

# publish_preflight WORK: publishes src/Payments.Preflight (run from the repository root) ReadyToRun into
# WORK/bin and Native AOT into WORK/aot. Sets `preflight` to the ReadyToRun app and `aot` to the Native AOT
# app, or to "" when Native AOT cannot be built here (it needs the ILCompiler package and a C toolchain):
# then the ReadyToRun app is the headline.
publish_preflight() {
  local work=$1
  echo "==> publishing preflight (ReadyToRun) into $work/bin"
  dotnet publish src/Payments.Preflight -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    --artifacts-path "$work/artifacts" -o "$work/bin" -v quiet -nologo >/dev/null
  preflight="$work/bin/Payments.Preflight"
  aot=""
  echo "==> publishing preflight (Native AOT) into $work/aot"
  if dotnet publish src/Payments.Preflight -c Release -r linux-x64 -p:PublishAot=true \
       --artifacts-path "$work/aot-artifacts" -o "$work/aot" -v quiet -nologo >"$work/aot.log" 2>&1; then
    aot="$work/aot/Payments.Preflight"
  else
    echo "    Native AOT publish failed (see $work/aot.log); measuring ReadyToRun only"
  fi
}

# hf NAME HYPERFINE-ARGS...: times a command with hyperfine into $results/NAME.json and prints its median.
hf() {
  local name=$1
  shift
  hyperfine --style basic -N -i "$@" --export-json "$results/$name.json" >/dev/null
  echo "    $name: $(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"{r['median']*1000:.0f} ms median of {len(r['times'])}\")" "$results/$name.json")"
}
