using Amazon.CDK;
using Amazon.CDK.Assertions;
using Payments.Platform;
using Payments.Platform.Environments;

namespace Payments.Platform.Tests;

/// <summary>
/// Synthesizing goes through jsii and takes seconds, so the whole app is synthesized once per test
/// run and every test asserts against these templates.
/// </summary>
public sealed class SynthesizedEnvironments
{
    /// <summary>An explicit account so the tests cover the path that needs the AZ answer in context.</summary>
    public const string TestAccount = "111111111111";
    public const string TestRegion = "eu-west-1";

    public IReadOnlyList<EnvironmentStage> Stages { get; }
    public IReadOnlyDictionary<string, Template> Platform { get; }

    public SynthesizedEnvironments()
    {
        var app = new App(new AppProps { Context = new Dictionary<string, object> { ["imageAssetHash"] = "test" } });
        Settings = PlatformSettings.FromContext(
            key => app.Node.TryGetContext(key)?.ToString(),
            name => name switch
            {
                "CDK_DEFAULT_ACCOUNT" => TestAccount,
                "CDK_DEFAULT_REGION" => TestRegion,
                _ => null,
            });
        Stages = PaymentsApp.Compose(app, Settings);
        Platform = Stages.ToDictionary(stage => stage.Config.Name, stage => Template.FromStack(stage.Platform));
    }

    public PlatformSettings Settings { get; }

    public EnvironmentStage Stage(string name) => Stages.Single(stage => stage.Config.Name == name);
}

[CollectionDefinition(Name)]
public sealed class SynthesizedApp : ICollectionFixture<SynthesizedEnvironments>
{
    public const string Name = "synthesized app";
}
