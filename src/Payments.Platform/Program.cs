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

var app = new App();
PaymentsApp.Compose(app, PlatformSettings.FromApp(app));
var assembly = app.Synth();
if (System.Environment.GetEnvironmentVariable(SynthGate.SkipVariable) == "1")
{
    Console.Error.WriteLine($"preflight: skipped ({SynthGate.SkipVariable}=1)");
    return 0;
}
// stderr: the CDK CLI shows it, and stdout stays free for the CLI protocol.
return SynthGate.Check(assembly.Directory, Console.Error);
