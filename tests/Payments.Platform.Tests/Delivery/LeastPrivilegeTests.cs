using System.Text.Json.Nodes;

namespace Payments.Platform.Tests.Delivery;

[Collection(SynthesizedApp.Name)]
public sealed class LeastPrivilegeTests(DeliveredApp app) : IClassFixture<DeliveredApp>
{
    private List<JsonObject> Statements(string logicalIdPrefix) => TemplateJson.Resources(app.Pipeline, "AWS::IAM::Policy")
        .Where(p => p.LogicalId.StartsWith(logicalIdPrefix, StringComparison.Ordinal))
        .SelectMany(p => p.Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()))
        .ToList();

    private static IEnumerable<string> Actions(JsonObject statement) =>
        statement["Action"] is JsonArray many ? many.Select(a => a!.ToString()) : [statement["Action"]!.ToString()];

    [Fact]
    public void No_managed_policies_in_the_pipeline_stack_only_inline_statements()
    {
        foreach (var (id, role) in TemplateJson.Resources(app.Pipeline, "AWS::IAM::Role"))
        {
            var managed = role["Properties"]!["ManagedPolicyArns"]?.ToJsonString() ?? "";
            Assert.True(managed == "" || managed.Contains("AWSLambdaBasicExecutionRole", StringComparison.Ordinal), $"{id}: {managed}");
        }
        app.Pipeline.ResourceCountIs("AWS::IAM::ManagedPolicy", 0);
    }

    [Fact]
    public void No_statement_allows_every_action()
    {
        foreach (var (id, policy) in TemplateJson.Resources(app.Pipeline, "AWS::IAM::Policy"))
        {
            foreach (var statement in policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            {
                Assert.DoesNotContain(Actions(statement!.AsObject()), a => a == "*" || a.EndsWith(":*", StringComparison.Ordinal));
            }
            _ = id;
        }
    }

    [Fact]
    public void The_infrastructure_build_can_only_assume_the_CDK_bootstrap_roles()
    {
        var statements = Statements("InfraRole");
        var assume = Assert.Single(statements, s => Actions(s).Contains("sts:AssumeRole"));
        var resources = assume["Resource"]!.AsArray().Select(r => r!.ToJsonString()).ToList();
        Assert.Equal(4, resources.Count);
        Assert.All(resources, r => Assert.Contains("cdk-hnb659fds-", r, StringComparison.Ordinal));
        Assert.DoesNotContain(statements, s => Actions(s).Any(a => a.StartsWith("cloudformation:", StringComparison.Ordinal) || a.StartsWith("iam:", StringComparison.Ordinal)));
    }

    private static List<string> ResourcesOf(IEnumerable<JsonObject> statements) =>
        statements.SelectMany(s => s["Resource"] is JsonArray many ? many.Select(r => r!.ToJsonString()) : [s["Resource"]!.ToJsonString()]).ToList();

    private static void AssertTheThreeRepositories(List<string> repositories)
    {
        Assert.Equal(3, repositories.Count);
        foreach (var env in new[] { "dev", "staging", "prod" })
        {
            Assert.Contains(repositories, r => r.Contains($"repository/payments-{env}/api", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_image_build_pushes_looks_up_and_reads_scans_only_in_the_three_environment_repositories()
    {
        var statements = Statements("ImageRole");
        foreach (var action in new[] { "ecr:PutImage", "ecr:DescribeImages", "ecr:DescribeImageScanFindings" })
        {
            AssertTheThreeRepositories(ResourcesOf(statements.Where(s => Actions(s).Contains(action))));
        }
        // Rendering releases moved to the Release action: the image build reads no stack or task definition.
        Assert.DoesNotContain(statements, s => Actions(s).Any(a => a.StartsWith("cloudformation:", StringComparison.Ordinal) || a.StartsWith("ecs:", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_release_action_reads_the_platform_stacks_and_task_definitions_and_only_tags_images()
    {
        var statements = Statements("ReleaseRole");
        foreach (var action in new[] { "ecr:DescribeImages", "ecr:BatchGetImage", "ecr:PutImage" })
        {
            AssertTheThreeRepositories(ResourcesOf(statements.Where(s => Actions(s).Contains(action))));
        }
        // No layer upload: the promotion tag re-puts an existing manifest, it cannot bring new content.
        Assert.DoesNotContain(statements, s => Actions(s).Any(a => a is "ecr:InitiateLayerUpload" or "ecr:UploadLayerPart" or "ecr:CompleteLayerUpload"));
        var describe = Assert.Single(statements, s => Actions(s).Contains("ecs:DescribeTaskDefinition"));
        Assert.Equal(["ecs:DescribeTaskDefinition"], Actions(describe));
        // The platform stacks' outputs (the CloudFormation-managed api revision), of these three stacks only.
        var outputs = Assert.Single(statements, s => Actions(s).Contains("cloudformation:DescribeStacks"));
        Assert.Equal(["cloudformation:DescribeStacks"], Actions(outputs));
        var stacks = outputs["Resource"]!.AsArray().Select(r => r!.ToJsonString()).ToList();
        Assert.Equal(3, stacks.Count);
        foreach (var env in new[] { "dev", "staging", "prod" })
        {
            Assert.Single(stacks, r => r.Contains($":stack/payments-{env}-platform/*", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_test_and_scan_builds_hold_no_deployment_permissions()
    {
        foreach (var prefix in new[] { "TestRole", "ScanRole" })
        {
            var actions = Statements(prefix).SelectMany(Actions).ToList();
            Assert.NotEmpty(actions);
            Assert.DoesNotContain(actions, a => a.StartsWith("ecr:", StringComparison.Ordinal) || a.StartsWith("sts:", StringComparison.Ordinal) || a.StartsWith("ecs:", StringComparison.Ordinal) || a.StartsWith("codedeploy:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_watchdog_reads_only_this_pipeline_and_writes_only_its_metric_namespace()
    {
        var statements = Statements("NotificationsWatchdogServiceRole");
        var read = Assert.Single(statements, s => s["Sid"]?.ToString() == "ReadPipelineExecutions");
        Assert.Contains("PipelineC660917D", read["Resource"]!.ToJsonString(), StringComparison.Ordinal);
        var metrics = Assert.Single(statements, s => s["Sid"]?.ToString() == "PublishDeliveryMetricsOnly");
        Assert.Equal("Payments/Delivery", metrics["Condition"]!["StringEquals"]!["cloudwatch:namespace"]!.ToString());
    }
}
