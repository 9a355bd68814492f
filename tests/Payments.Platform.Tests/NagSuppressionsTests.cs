using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Constructs;
using Payments.Platform.Delivery;
using Payments.Platform.Aspects;
using Payments.Platform.Tests.Delivery;

namespace Payments.Platform.Tests;

/// <summary>
/// cdk-nag's AwsSolutions pack over the whole app (scripts/cdk-nag-check.js, as the test command runs it) and
/// the suppression table that writes <c>Metadata.cdk_nag</c> into the templates.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class NagSuppressionsTests(SynthesizedEnvironments app, DeliveredApp delivered, ProdOnInstanceFixture prodOnInstance)
    : IClassFixture<DeliveredApp>, IClassFixture<ProdOnInstanceFixture>
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [InlineData("S3 source")]
    [InlineData("GitHub source")]
    public async Task The_app_has_no_unsuppressed_cdk_nag_finding_and_no_stale_suppression(string source)
    {
        // An explicit account and eu-west-1 here (cdk synth without credentials has neither): the table's
        // {Region}/{Account} findings must match as cdk-nag prints them in either case.
        var assembly = source == "GitHub source" ? delivered.GitHubAssemblyDirectory : delivered.AssemblyDirectory;
        var result = await NodeScript.RunAsync("scripts/cdk-nag-check.js", ["--format", "json", assembly]);
        Assert.True(result.StandardError.Length == 0, result.StandardError);
        var summary = JsonNode.Parse(result.StandardOutput)!;
        var findings = summary["findings"].Items().Select(f => $"{f["stack"].Str()} {f["logicalId"].Str()} {f["id"].Str()}").ToList();
        var problems = summary["problems"].Items().Select(p => $"{p["stack"].Str()} {p["logicalId"].Str()} {p["message"].Str()}").ToList();
        Assert.True(findings.Count == 0, "unsuppressed:\n" + string.Join('\n', findings));
        Assert.True(problems.Count == 0, "suppression problems:\n" + string.Join('\n', problems));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            ["payments-delivery", "payments-dev-platform", "payments-prod-platform", "payments-staging-platform"],
            summary["templates"].Items().Select(t => t["stack"].Str()).Order(StringComparer.Ordinal));
        Assert.NotEmpty(summary["suppressed"].Items());
    }

    [Fact]
    public void Every_table_entry_names_resources_that_exist()
    {
        // A renamed construct would leave its entry behind silently (nothing is written, nothing is checked).
        foreach (var suppression in NagSuppressions.Platform)
        {
            foreach (var path in suppression.Paths)
            {
                Assert.True(
                    app.Stages.Any(stage => Find(stage.Platform, path) is not null && (suppression.When is null || suppression.When(stage.Config))),
                    $"{suppression.RuleId} names {path}, which no environment's platform stack has (where the entry applies)");
            }
        }
        foreach (var path in NagSuppressions.Delivery.SelectMany(s => s.Paths))
        {
            Assert.True(Find(delivered.PipelineStack, path) is not null || Find(delivered.GitHubPipelineStack, path) is not null,
                $"no {path} in the delivery stack (S3 or GitHub source)");
        }
    }

    [Theory]
    [InlineData("dev", "instance", true)]
    [InlineData("staging", "instance", true)]
    [InlineData("prod", "aurora", false)]
    [InlineData("prod", "instance", false)]
    public void Single_az_and_deletable_databases_are_accepted_only_where_the_table_says_so(string env, string engine, bool accepted)
    {
        var template = env == "prod" && engine == "instance" ? prodOnInstance.Json : app.PlatformJson[env];
        var databases = TemplateJson.Resources(template, "AWS::RDS::DBInstance")
            .Concat(TemplateJson.Resources(template, "AWS::RDS::DBCluster")).ToList();
        Assert.Equal(engine == "aurora", databases.Any(d => d.Resource["Type"].Str() == "AWS::RDS::DBCluster"));
        foreach (var (id, resource) in databases)
        {
            var rules = RulesOf(resource);
            Assert.True(accepted == rules.ContainsKey("AwsSolutions-RDS3"), $"{env} {id}: RDS3 accepted {!accepted}");
            Assert.True(accepted == rules.ContainsKey("AwsSolutions-RDS10"), $"{env} {id}: RDS10 accepted {!accepted}");
            if (resource.Props()["Engine"].Str() == "postgres")
            {
                Assert.Contains("isolated subnets", rules["AwsSolutions-RDS11"]["reason"].Str(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void The_delivery_stack_accepts_reading_the_stacks_of_exactly_the_environments_it_delivers_to()
    {
        // A suppression of a finding that does not exist is a gate failure: a pipeline serving prod alone must
        // not carry the entries for dev's and staging's stacks.
        var prodOnly = (PipelineStack)prodOnInstance.Stage.Stage.Node.Scope!.Node.FindChild(DeliveryComposition.PipelineStackId);
        Assert.Equal(["payments-prod-platform"], AcceptedStackReads(prodOnly));
        Assert.Equal(["payments-dev-platform", "payments-prod-platform", "payments-staging-platform"], AcceptedStackReads(delivered.PipelineStack));
    }

    private static List<string> AcceptedStackReads(PipelineStack pipeline)
    {
        var policy = (CfnResource)pipeline.ReleaseProject.Role!.Node.FindChild("DefaultPolicy").Node.DefaultChild!;
        var json = TemplateJson.Of(Template.FromStack(pipeline));
        return json["Resources"]![pipeline.GetLogicalId(policy)]!["Metadata"]!["cdk_nag"]!["rules_to_suppress"].Items()
            .SelectMany(entry => entry["applies_to"].Items().Select(a => a.Str()))
            .Where(a => a.Contains(":cloudformation:", StringComparison.Ordinal))
            .Select(a => a.Split(":stack/")[1].Split('/')[0])
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Wildcard_suppressions_list_their_exact_findings_in_the_stacks_region_and_account(string env)
    {
        var worker = app.Resources(env, "AWS::IAM::Policy").Single(p => p.Resource.Props()["Roles"].Text().Contains("WorkerTaskRole", StringComparison.Ordinal));
        var entry = Assert.Single(worker.Resource["Metadata"]!["cdk_nag"]!["rules_to_suppress"].Items(),
            e => e["id"].Str() == "AwsSolutions-IAM5" && e["applies_to"].Items().Any(a => a.Str().Contains(":logs:", StringComparison.Ordinal)));
        Assert.Contains(
            $"Resource::arn:<AWS::Partition>:logs:{SynthesizedEnvironments.TestRegion}:{SynthesizedEnvironments.TestAccount}:log-group:<ServicesExecLogsC71B4A78>:*",
            entry["applies_to"].Items().Select(a => a.Str()));
        Assert.Contains("Resource::*", entry["applies_to"].Items().Select(a => a.Str()));
    }

    private static Dictionary<string, JsonNode> RulesOf(JsonObject resource) =>
        resource["Metadata"]?["cdk_nag"]?["rules_to_suppress"].Items().ToDictionary(e => e["id"].Str(), e => e) ?? [];

    private static IConstruct? Find(IConstruct stack, string path)
    {
        IConstruct? current = stack;
        foreach (var id in path.Split('/'))
        {
            current = current?.Node.TryFindChild(id);
        }
        return current;
    }
}
