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

// PAYMENTS_SYNTH_TIMINGS=1 prints where synth time goes (process start, jsii start, compose, synth, gate)
// to stderr, for bench/synth; off by default so normal synth output stays quiet.
var timings = System.Environment.GetEnvironmentVariable("PAYMENTS_SYNTH_TIMINGS") == "1";
var clock = Stopwatch.StartNew();
void Mark(string phase)
{
    if (timings)
    {
        var sinceProcessStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        Console.Error.WriteLine($"synth-timing: {phase,-8} {clock.Elapsed.TotalMilliseconds,8:F0} ms (process age {sinceProcessStart.TotalMilliseconds:F0} ms)");
        clock.Restart();
    }
}

Mark("main");
var app = new App();
Mark("app");
PaymentsApp.Compose(app, PlatformSettings.FromApp(app));
Mark("compose");
var assembly = app.Synth();
Mark("synth");
if (System.Environment.GetEnvironmentVariable(SynthGate.SkipVariable) == "1")
{
    Console.Error.WriteLine($"preflight: skipped ({SynthGate.SkipVariable}=1)");
    return 0;
}
// stderr: the CDK CLI shows it, and stdout stays free for the CLI protocol.
var exitCode = SynthGate.Check(assembly.Directory, Console.Error);
Mark("gate");
return exitCode;
