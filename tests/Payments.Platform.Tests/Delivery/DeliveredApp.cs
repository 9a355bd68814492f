using Amazon.CDK;
using Amazon.CDK.Assertions;
using Payments.Platform.Delivery;
using Payments.Platform.Environments;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// The whole app as <c>cdk synth</c> builds it (platform stages + delivery), synthesized once per test run
/// and shared by every class that takes this fixture, plus a second app with the GitHub (CodeStar connection) source.
/// </summary>
public sealed class DeliveredApp
{
    public const string Account = "111111111111";
    public const string Region = "eu-west-1";
    public const string ConnectionArn = "arn:aws:codeconnections:eu-west-1:111111111111:connection/0f6a3c52-8f1d-4a7e-9b1e-3d2c1b0a9f8e";

    private sealed record State(IReadOnlyDictionary<string, Template> Platform, PipelineStack PipelineStack, Template Pipeline, Template GitHubPipeline, string AssemblyDirectory, PipelineStack GitHubPipelineStack, string GitHubAssemblyDirectory);

    // Synthesizing through jsii takes seconds: once per process, whichever test class asks first.
    private static readonly Lazy<State> Shared = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly State state = Shared.Value;

    public IReadOnlyDictionary<string, Template> Platform => state.Platform;
    public Template Pipeline => state.Pipeline;
    public Template GitHubPipeline => state.GitHubPipeline;
    public PipelineStack PipelineStack => state.PipelineStack;

    /// <summary>The default app's cloud assembly on disk, as <c>cdk synth -o</c> writes it.</summary>
    public string AssemblyDirectory => state.AssemblyDirectory;

    /// <summary>The app with the GitHub source, on disk.</summary>
    public string GitHubAssemblyDirectory => state.GitHubAssemblyDirectory;

    public PipelineStack GitHubPipelineStack => state.GitHubPipelineStack;

    private static State Build()
    {
        // Apps without the repositoryRoot context (SynthesizedEnvironments) find the checkout from the
        // working directory; builds with --artifacts-path outside the checkout need this.
        Directory.SetCurrentDirectory(Repository.Root);
        var assembly = Directory.CreateTempSubdirectory("delivered-app-").FullName;
        var githubAssembly = Directory.CreateTempSubdirectory("delivered-app-github-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Directory.Delete(assembly, recursive: true);
            Directory.Delete(githubAssembly, recursive: true);
        };
        var (platform, pipeline) = Synthesize(new Dictionary<string, object>(), assembly);
        var (_, github) = Synthesize(new Dictionary<string, object>
        {
            ["sourceConnectionArn"] = ConnectionArn,
            ["sourceRepository"] = "example-org/payments",
            ["sourceBranch"] = "release",
        }, githubAssembly);
        return new State(platform, pipeline, Template.FromStack(pipeline), Template.FromStack(github), assembly, github, githubAssembly);
    }

    private static (IReadOnlyDictionary<string, Template>, PipelineStack) Synthesize(Dictionary<string, object> context, string? outdir = null)
    {
        context["imageAssetHash"] = "test";
        context["repositoryRoot"] = Repository.Root;
        var app = new App(new AppProps { Context = context, Outdir = outdir });
        var settings = PlatformSettings.FromContext(
            key => app.Node.TryGetContext(key)?.ToString(),
            name => name switch { "CDK_DEFAULT_ACCOUNT" => Account, "CDK_DEFAULT_REGION" => Region, _ => null });
        var stages = PaymentsApp.Compose(app, settings);
        // PaymentsApp.Compose wires delivery too (DeliveryComposition.Add), as cdk synth runs it.
        var pipeline = (PipelineStack)app.Node.FindChild(DeliveryComposition.PipelineStackId);
        var templates = stages.ToDictionary(s => s.Config.Name, s => Template.FromStack(s.Platform));
        if (outdir is not null)
        {
            app.Synth();
        }
        return (templates, pipeline);
    }
}
