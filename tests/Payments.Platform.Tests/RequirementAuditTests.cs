using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace Payments.Platform.Tests;

/// <summary>
/// Requirements of the platform issue that the per-construct test classes did not pin down yet
/// (found by the requirement audit in /tmp/audit-platform/checklist.md).
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class RequirementAuditTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    private const string CommitTag = "0123456789abcdef0123456789abcdef01234567";

    [Fact]
    public void With_an_image_tag_every_environment_runs_that_tag_from_its_own_repository_and_builds_no_asset()
    {
        var (stages, _) = SynthesizedEnvironments.Synthesize(new Dictionary<string, object> { ["imageTag"] = CommitTag });
        Assert.Equal(SynthesizedEnvironments.EnvironmentNames, stages.Select(s => s.Config.Name));
        foreach (var stage in stages)
        {
            var env = stage.Config.Name;
            var template = SynthesizedEnvironments.ToJson(Template.FromStack(stage.Platform));
            var repositoryId = SynthesizedEnvironments.ResourcesOf(template, "AWS::ECR::Repository").Single().Id;
            var containers = SynthesizedEnvironments.ResourcesOf(template, "AWS::ECS::TaskDefinition")
                .Where(t => t.Resource.Props()["Family"].Str() is var family && (family == $"payments-{env}-api" || family == $"payments-{env}-worker"))
                .Select(t => t.Resource.Props()["ContainerDefinitions"]![0]!)
                .ToList();
            Assert.Equal(2, containers.Count);
            foreach (var container in containers)
            {
                var image = container["Image"].Text();
                Assert.Contains(repositoryId, image, StringComparison.Ordinal);
                Assert.EndsWith($":{CommitTag}\"]]}}", image, StringComparison.Ordinal);
                Assert.DoesNotContain("payments-api-bootstrap-v1", image, StringComparison.Ordinal);
                Assert.DoesNotContain("cdk-hnb659fds-container-assets", image, StringComparison.Ordinal);
            }

            // The execution roles may pull from the environment's repository (and only read it).
            var pullers = SynthesizedEnvironments.ResourcesOf(template, "AWS::IAM::Policy")
                .Select(p => p.Resource.Props())
                .Where(p => p["PolicyDocument"]!["Statement"].Items().Any(s =>
                    s["Action"].Text().Contains("ecr:BatchGetImage", StringComparison.Ordinal)
                    && s["Resource"].Text().Contains(repositoryId, StringComparison.Ordinal)))
                .ToList();
            Assert.Contains(pullers, p => p["Roles"].Text().Contains("ApiExecutionRole", StringComparison.Ordinal));
            Assert.Contains(pullers, p => p["Roles"].Text().Contains("WorkerExecutionRole", StringComparison.Ordinal));
            Assert.DoesNotContain(pullers.SelectMany(p => p["PolicyDocument"]!["Statement"].Items()),
                s => s["Action"].Text().Contains("ecr:PutImage", StringComparison.Ordinal));

            var assembly = stage.Stage.Synth();
            var assets = JsonNode.Parse(File.ReadAllText(Path.Combine(assembly.Directory, $"{stage.Platform.ArtifactId}.assets.json")))!;
            Assert.Empty(assets["dockerImages"]?.AsObject() ?? []);
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_keep_last_ten_tagged_rule_selects_every_tag_as_ecr_requires(string env)
    {
        // ECR rejects a tagStatus=tagged rule without tagPrefixList/tagPatternList at deploy time.
        var policy = app.One(env, "AWS::ECR::Repository").Props()["LifecyclePolicy"]!["LifecyclePolicyText"].Str();
        var tagged = JsonNode.Parse(policy)!["rules"].Items().Single(r => r["selection"]!["tagStatus"].Str() == "tagged");
        Assert.Equal(["*"], tagged["selection"]!["tagPatternList"].Items().Select(t => t.Str()));
        Assert.Equal("expire", tagged["action"]!["type"].Str());
        var untagged = JsonNode.Parse(policy)!["rules"].Items().Single(r => r["selection"]!["tagStatus"].Str() == "untagged");
        Assert.Equal("days", untagged["selection"]!["countUnit"].Str());
        // Untagged must be evaluated first: a tagged rule with a wildcard would otherwise also count them.
        Assert.True(untagged["rulePriority"].Number() < tagged["rulePriority"].Number());
    }
}
