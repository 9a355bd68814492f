using System.Diagnostics;
using Amazon.CDK;
using Payments.Platform;
using Payments.Platform.Environments;
using Payments.Platform.Outputs;

// `dotnet run --project src/Payments.Platform -- flat-outputs <env> <stacks.json>` flattens a deployed
// environment's outputs; with no arguments (how the CDK CLI runs it) this is the CDK app.
if (args is ["flat-outputs", .. var rest])
{
    return FlatOutputs.Run(rest, Console.In, Console.Out, Console.Error);
}

// PAYMENTS_SYNTH_TIMINGS=1 prints where synth time goes (jsii start, compose, synth, gate) to stderr, for
// bench/synth: wall time per phase and the CPU time of this process and of the jsii Node child (the two
// sides of every round trip). Off by default so normal synth output stays quiet.
var timings = System.Environment.GetEnvironmentVariable("PAYMENTS_SYNTH_TIMINGS") == "1";
var clock = Stopwatch.StartNew();
var (lastDotnetCpu, lastNodeCpu, lastJit) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
void Mark(string phase)
{
    if (!timings)
    {
        return;
    }
    var dotnetCpu = Process.GetCurrentProcess().TotalProcessorTime;
    var nodeCpu = SynthTimings.DescendantProcessorTime();
    var jit = System.Runtime.JitInfo.GetCompilationTime();
    Console.Error.WriteLine(
        $"synth-timing: {phase,-8} wall {clock.Elapsed.TotalMilliseconds,6:F0} ms, cpu .NET {(dotnetCpu - lastDotnetCpu).TotalMilliseconds,6:F0} ms (JIT {(jit - lastJit).TotalMilliseconds,5:F0} ms), node {(nodeCpu - lastNodeCpu).TotalMilliseconds,6:F0} ms");
    (lastDotnetCpu, lastNodeCpu, lastJit) = (dotnetCpu, nodeCpu, jit);
    clock.Restart();
}

Mark("main");
var gateEnabled = System.Environment.GetEnvironmentVariable(SynthGate.SkipVariable) != "1";
var gateWarmUp = gateEnabled ? SynthGate.WarmUpAsync() : Task.CompletedTask;
var app = new App();
Mark("app");
try
{
    PaymentsApp.Compose(app, PlatformSettings.FromApp(app), Console.Error);
}
catch (DeploymentConfigurationException missing)
{
    // A message, not a stack trace: the CDK CLI shows stderr to whoever ran cdk deploy or the pipeline.
    Console.Error.WriteLine($"error: {missing.Message}");
    return 1;
}
Mark("compose");
var assembly = app.Synth();
Mark("synth");
if (!gateEnabled)
{
    Console.Error.WriteLine($"preflight: skipped ({SynthGate.SkipVariable}=1)");
    return 0;
}
// Long finished by now; waiting keeps the warm-up and the real check from ever running at once.
await gateWarmUp;
// stderr: the CDK CLI shows it, and stdout stays free for the CLI protocol.
var exitCode = SynthGate.Check(assembly.Directory, Console.Error);
Mark("gate");
return exitCode;
