using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.Lambda;
using Payments.Platform.Aspects;
using Payments.Platform.Environments;

namespace Payments.Platform.Tests;

/// <summary>
/// The one-pass fixups that replaced three CDK aspects: what they change in the synthesized app, and
/// what they leave alone, on a small stack of their own.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class ResourceFixupsTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [MemberData(nameof(Environments))]
    public void Provider_functions_keep_the_role_ordering_through_GetAtt_only(string env)
    {
        var providers = app.Resources(env, "AWS::Lambda::Function").Where(f => f.Id.StartsWith("Custom", StringComparison.Ordinal)).ToList();
        Assert.Equal(env != "prod", providers.Count > 0);
        Assert.All(providers, f =>
        {
            Assert.Null(f.Resource["DependsOn"]);
            Assert.Contains("Fn::GetAtt", f.Resource.Props()["Role"].Text(), StringComparison.Ordinal);
        });
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Retained_resources_are_suppressed_for_the_fixed_name_rule_in_prod_only(string env)
    {
        var resources = app.PlatformJson[env]["Resources"]!.AsObject().Select(pair => (pair.Key, Resource: pair.Value!.AsObject())).ToList();
        var retained = resources.Where(r => r.Resource["DeletionPolicy"].Str() == "Retain").Select(r => r.Key).ToHashSet();
        var suppressed = resources.Where(r => SuppressedRules(r.Resource).Contains(PreflightSuppressions.RetainedFixedName)).Select(r => r.Key).ToHashSet();
        if (env == "prod")
        {
            Assert.NotEmpty(retained);
            Assert.Equal(retained.Order(), suppressed.Order());
        }
        else
        {
            Assert.Empty(suppressed);
        }
    }

    [Fact]
    public void Fixups_raise_outdated_node_runtimes_and_drop_only_provider_role_dependencies()
    {
        var stack = new Stack(new App(), "Fixups");
        var role = new CfnResource(stack, "ProviderRole", new CfnResourceProps { Type = "AWS::IAM::Role" });
        var provider = new global::Constructs.Construct(stack, "Provider");
        _ = new CfnResource(provider, "Role", new CfnResourceProps { Type = "AWS::IAM::Role" });
        var handler = new CfnResource(provider, "Handler", new CfnResourceProps { Type = "AWS::Lambda::Function", Properties = new Dictionary<string, object> { ["Runtime"] = "nodejs20.x" } });
        handler.AddDependency(role);
        var lonely = new CfnResource(stack, "Handler", new CfnResourceProps { Type = "AWS::Lambda::Function" });
        lonely.AddDependency(role);
        _ = new CfnFunction(stack, "Old", new CfnFunctionProps { Runtime = "nodejs18.x", Role = "arn:aws:iam::111111111111:role/r", Code = new CfnFunction.CodeProperty { ZipFile = "x" } });
        _ = new CfnFunction(stack, "Python", new CfnFunctionProps { Runtime = "python3.12", Role = "arn:aws:iam::111111111111:role/r", Code = new CfnFunction.CodeProperty { ZipFile = "x" } });
        _ = new CfnResource(stack, "Other", new CfnResourceProps { Type = "AWS::SQS::Queue" });

        ResourceFixups.Apply(stack, new NodeRuntimeFloor(), new ProviderDependencyCleanup());

        var resources = TemplateJson.Of(Template.FromStack(stack))["Resources"]!.AsObject();
        JsonObject Of(string prefix) => resources.Single(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal)).Value!.AsObject();
        Assert.Equal(NodeRuntimeFloor.Minimum, Of("ProviderHandler").Props()["Runtime"].Str());
        Assert.Null(Of("ProviderHandler")["DependsOn"]); // its sibling Role exists: a provider function
        Assert.NotNull(Of("Handler")["DependsOn"]);       // no sibling Role: not a provider, left alone
        Assert.Equal(NodeRuntimeFloor.Minimum, Of("Handler").Props()["Runtime"].Str());
        Assert.Equal(NodeRuntimeFloor.Minimum, Of("Old").Props()["Runtime"].Str());
        Assert.Equal("python3.12", Of("Python").Props()["Runtime"].Str());
        Assert.Null(Of("Other")["Properties"]);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Only_production_retained_resources_get_the_suppression(bool production, bool suppressed)
    {
        var stack = new Stack(new App(), "Retained");
        var kept = new CfnResource(stack, "Kept", new CfnResourceProps { Type = "AWS::SQS::Queue" });
        kept.ApplyRemovalPolicy(RemovalPolicy.RETAIN);
        var destroyed = new CfnResource(stack, "Destroyed", new CfnResourceProps { Type = "AWS::SQS::Queue" });
        destroyed.ApplyRemovalPolicy(RemovalPolicy.DESTROY);
        var config = EnvironmentTable.Build(PlatformSettings.FromContext(_ => null, _ => null)).Single(c => c.IsProduction == production && (production || c.Name == "dev"));

        ResourceFixups.Apply(stack, new RetainedNamesAreDeliberate(config));

        var resources = TemplateJson.Of(Template.FromStack(stack))["Resources"]!.AsObject();
        Assert.Equal(suppressed, SuppressedRules(resources["Kept"]!.AsObject()).Contains(PreflightSuppressions.RetainedFixedName));
        Assert.Empty(SuppressedRules(resources["Destroyed"]!.AsObject()));
    }

    private static List<string> SuppressedRules(JsonObject resource) =>
        [.. resource["Metadata"]?["preflight"]?["suppress"].Items().Select(s => s["id"].Str()) ?? []];
}
