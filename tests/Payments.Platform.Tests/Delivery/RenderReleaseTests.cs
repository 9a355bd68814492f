using System.Text.Json.Nodes;

namespace Payments.Platform.Tests.Delivery;

/// <summary>buildspecs/scripts/render-release.js: taskdef.json, appspec.yaml and imageDetail.json for one environment.</summary>
public sealed class RenderReleaseTests : IDisposable
{
    private const string Script = "buildspecs/scripts/render-release.js";
    private const string ImageUri = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-dev-api:0123456789abcdef0123456789abcdef01234567";
    private readonly string directory = Directory.CreateTempSubdirectory("render-release-").FullName;

    // The shape of `aws ecs describe-task-definition --include TAGS`, read-only fields included.
    private const string Described = """
        {
          "taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:eu-west-1:111111111111:task-definition/payments-dev-api:7",
            "family": "payments-dev-api",
            "revision": 7,
            "status": "ACTIVE",
            "taskRoleArn": "arn:aws:iam::111111111111:role/payments-dev-api-task",
            "executionRoleArn": "arn:aws:iam::111111111111:role/payments-dev-api-execution",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "compatibilities": ["EC2", "FARGATE"],
            "requiresAttributes": [{ "name": "com.amazonaws.ecs.capability.logging-driver.awslogs" }],
            "cpu": "256",
            "memory": "512",
            "registeredAt": "2026-11-20T10:00:00.000Z",
            "registeredBy": "arn:aws:sts::111111111111:assumed-role/cfn/x",
            "containerDefinitions": [
              {
                "name": "api",
                "image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-dev-api:previous",
                "command": ["--role", "api"],
                "portMappings": [{ "containerPort": 8080, "protocol": "tcp" }],
                "secrets": [{ "name": "Payments__Merchants__0__ApiKey", "valueFrom": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:smoke:apiKey::" }],
                "stopTimeout": 30
              },
              { "name": "log-router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable" }
            ]
          },
          "tags": [{ "key": "payments:environment", "value": "dev" }]
        }
        """;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private const string OnDemandOnly = """[{"CapacityProvider":"FARGATE","Base":1,"Weight":1}]""";

    private async Task<CommandRunner.Result> Render(string described, string container = "api", string port = "8080", string imageUri = ImageUri, string strategy = OnDemandOnly)
    {
        var input = Path.Combine(directory, "describe.json");
        await File.WriteAllTextAsync(input, described);
        return await NodeScript.RunAsync(Script,
            ["--task-definition", input, "--container", container, "--port", port, "--image-uri", imageUri,
             "--hook-function", "payments-dev-pre-traffic-hook", "--capacity-provider-strategy", strategy, "--out", Path.Combine(directory, "release")]);
    }

    [Fact]
    public async Task The_task_definition_keeps_the_live_settings_and_takes_the_image_placeholder()
    {
        var result = await Render(Described);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var taskdef = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "release", "taskdef.json")))!.AsObject();
        foreach (var readOnly in new[] { "taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy" })
        {
            Assert.False(taskdef.ContainsKey(readOnly), readOnly);
        }
        Assert.Equal("payments-dev-api", (string?)taskdef["family"]);
        Assert.Equal("arn:aws:iam::111111111111:role/payments-dev-api-execution", (string?)taskdef["executionRoleArn"]);
        var containers = taskdef["containerDefinitions"]!.AsArray();
        Assert.Equal("<IMAGE1_NAME>", (string?)containers[0]!["image"]);
        Assert.Equal("Payments__Merchants__0__ApiKey", (string?)containers[0]!["secrets"]![0]!["name"]);
        Assert.Equal("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", (string?)containers[1]!["image"]);
        Assert.Equal("dev", (string?)taskdef["tags"]![0]!["value"]);
    }

    [Fact]
    public async Task The_appspec_names_the_container_port_capacity_providers_and_the_pre_traffic_hook()
    {
        var result = await Render(Described);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var appspec = await File.ReadAllTextAsync(Path.Combine(directory, "release", "appspec.yaml"));
        Assert.Equal("""
            version: 0.0
            Resources:
              - TargetService:
                  Type: AWS::ECS::Service
                  Properties:
                    TaskDefinition: "<TASK_DEFINITION>"
                    LoadBalancerInfo:
                      ContainerName: "api"
                      ContainerPort: 8080
                    CapacityProviderStrategy:
                      - CapacityProvider: "FARGATE"
                        Base: 1
                        Weight: 1
            Hooks:
              - AfterAllowTestTraffic: "payments-dev-pre-traffic-hook"

            """, appspec);
        var imageDetail = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "release", "imageDetail.json")))!;
        Assert.Equal(ImageUri, (string?)imageDetail["ImageURI"]);
    }

    [Fact]
    public async Task A_bare_task_definition_object_is_accepted_too()
    {
        var bare = JsonNode.Parse(Described)!["taskDefinition"]!.ToJsonString();
        var result = await Render(bare);
        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    [Theory]
    [InlineData("worker", "8080", ImageUri, "container 'worker' not in task definition payments-dev-api (has: api, log-router)")]
    [InlineData("api", "9090", ImageUri, "does not map port 9090")]
    [InlineData("api", "http", ImageUri, "invalid --port 'http'")]
    [InlineData("api", "8080", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-dev-api:latest", "mutable tag")]
    [InlineData("api", "8080", "docker.io/library/nginx:1.27", "not an ECR repository URI")]
    [InlineData("api", "8080", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-dev-api", "not an ECR repository URI")]
    public async Task Bad_inputs_are_refused_with_a_reason(string container, string port, string imageUri, string expected)
    {
        var result = await Render(Described, container, port, imageUri);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "release", "taskdef.json")));
    }

    [Theory]
    [InlineData("", "missing --capacity-provider-strategy")]
    [InlineData("FARGATE", "is not JSON")]
    [InlineData("[]", "non-empty array")]
    [InlineData("""[{"Weight":1}]""", "without a valid CapacityProvider")]
    [InlineData("""[{"CapacityProvider":"FARGATE","Weight":-1}]""", "Weight must be a whole number")]
    [InlineData("""[{"CapacityProvider":"FARGATE","Base":1},{"CapacityProvider":"FARGATE_SPOT","Base":1,"Weight":1}]""", "only one capacity provider may have a Base")]
    [InlineData("""[{"CapacityProvider":"FARGATE","Base":1}]""", "needs a Weight above 0")]
    public async Task A_capacity_provider_strategy_that_ECS_would_reject_is_refused(string strategy, string expected)
    {
        var result = await Render(Described, strategy: strategy);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "release", "appspec.yaml")));
    }

    [Fact]
    public async Task Something_that_is_not_a_task_definition_is_refused()
    {
        var result = await Render("""{"services": []}""");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no containerDefinitions", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_arguments_are_refused()
    {
        var result = await NodeScript.RunAsync(Script, ["--container", "api"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("missing --task-definition", result.StandardError, StringComparison.Ordinal);
    }
}
