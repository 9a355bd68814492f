using Amazon.CDK;
using Amazon.CDK.Assertions;
using Payments.Platform.Delivery;
using Payments.Platform.Environments;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// The whole app as <c>cdk synth</c> builds it (platform stages + delivery), synthesized once for the
/// delivery tests, plus a second app with the GitHub (CodeStar connection) source.
/// </summary>
public sealed class DeliveredApp
{
    public const string Account = "111111111111";
    public const string Region = "eu-west-1";
    public const string ConnectionArn = "arn:aws:codeconnections:eu-west-1:111111111111:connection/0f6a3c52-8f1d-4a7e-9b1e-3d2c1b0a9f8e";

    public IReadOnlyDictionary<string, Template> Platform { get; }
    public Template Pipeline { get; }
    public Template GitHubPipeline { get; }
    public PipelineStack PipelineStack { get; }

    public DeliveredApp()
    {
        // PlatformSettings looks for the checkout from the working directory before it reads the
        // repositoryRoot context; builds with --artifacts-path outside the checkout need this.
        Directory.SetCurrentDirectory(NodeScript.RepositoryRoot());
        (Platform, PipelineStack) = Synthesize(new Dictionary<string, object>());
        Pipeline = Template.FromStack(PipelineStack);
        var (_, github) = Synthesize(new Dictionary<string, object>
        {
            ["sourceConnectionArn"] = ConnectionArn,
            ["sourceRepository"] = "example-org/payments",
            ["sourceBranch"] = "release",
        });
        GitHubPipeline = Template.FromStack(github);
    }

    private static (IReadOnlyDictionary<string, Template>, PipelineStack) Synthesize(Dictionary<string, object> context)
    {
        context["imageAssetHash"] = "test";
        context["repositoryRoot"] = NodeScript.RepositoryRoot();
        var app = new App(new AppProps { Context = context });
        var settings = PlatformSettings.FromContext(
            key => app.Node.TryGetContext(key)?.ToString(),
            name => name switch { "CDK_DEFAULT_ACCOUNT" => Account, "CDK_DEFAULT_REGION" => Region, _ => null });
        var stages = PaymentsApp.Compose(app, settings);
        // Until (or unless) PaymentsApp wires delivery itself, compose it the way the seam says.
        var pipeline = app.Node.TryFindChild(DeliveryComposition.PipelineStackId) as PipelineStack
            ?? DeliveryComposition.Add(app, stages.Select(s => s.Platform.Seam).ToList()).Pipeline;
        return (stages.ToDictionary(s => s.Config.Name, s => Template.FromStack(s.Platform)), pipeline);
    }
}
