using System.Text.Json.Nodes;
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

    public static readonly string[] EnvironmentNames = ["dev", "staging", "prod"];

    public IReadOnlyList<EnvironmentStage> Stages { get; }
    public IReadOnlyDictionary<string, Template> Platform { get; }
    public IReadOnlyDictionary<string, JsonObject> PlatformJson { get; }
    public PlatformSettings Settings { get; }

    public SynthesizedEnvironments()
    {
        (Stages, Settings) = Synthesize(new Dictionary<string, object>());
        Platform = Stages.ToDictionary(stage => stage.Config.Name, stage => Template.FromStack(stage.Platform));
        PlatformJson = Platform.ToDictionary(pair => pair.Key, pair => TemplateJson.Of(pair.Value));
    }

    /// <summary>A separate app for tests that need other context (certificate, endpoints, no account).</summary>
    public static (IReadOnlyList<EnvironmentStage> Stages, PlatformSettings Settings) Synthesize(
        IDictionary<string, object> context, bool withAccount = true)
    {
        var app = new App(new AppProps { Context = context });
        var settings = PlatformSettings.FromContext(
            key => app.Node.TryGetContext(key)?.ToString(),
            name => name switch
            {
                "CDK_DEFAULT_ACCOUNT" when withAccount => TestAccount,
                "CDK_DEFAULT_REGION" => TestRegion,
                _ => null,
            });
        return (PaymentsApp.Compose(app, settings), settings);
    }

    /// <summary>The logical id of the environment's KMS key.</summary>
    public string KeyId(string env) => Resources(env, "AWS::KMS::Key").Single().Id;

    /// <summary><c>{"Fn::GetAtt":["&lt;key&gt;","Arn"]}</c> as compact JSON.</summary>
    public string KeyArnReference(string env) => $"{{\"Fn::GetAtt\":[\"{KeyId(env)}\",\"Arn\"]}}";

    public EnvironmentStage Stage(string name) => Stages.Single(stage => stage.Config.Name == name);

    /// <summary>(logical id, resource) of every resource of <paramref name="type"/> in an environment's platform stack.</summary>
    public IReadOnlyList<(string Id, JsonObject Resource)> Resources(string env, string type) => TemplateJson.Resources(PlatformJson[env], type);

    public JsonObject One(string env, string type, Func<JsonObject, bool>? where = null)
    {
        var matches = Resources(env, type).Where(r => where is null || where(r.Resource)).ToList();
        Assert.True(matches.Count == 1, $"{env}: expected one {type}, found {matches.Count}");
        return matches[0].Resource;
    }
}

[CollectionDefinition(Name)]
public sealed class SynthesizedApp : ICollectionFixture<SynthesizedEnvironments>
{
    public const string Name = "synthesized app";
}
