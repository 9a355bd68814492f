using System.Text.Json.Nodes;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// buildspecs/scripts/build-release.sh end to end, with stand-ins for the <c>docker</c> and <c>aws</c>
/// CLIs on PATH that record their calls: tagging, immutable-tag reuse, rendering per environment.
/// </summary>
public sealed class BuildReleaseTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly string work = Directory.CreateTempSubdirectory("build-release-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    private const string Described = """
        {"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:111111111111:task-definition/FAMILY:3", "family": "FAMILY", "revision": 3,
         "status": "ACTIVE", "networkMode": "awsvpc", "cpu": "256", "memory": "512", "requiresCompatibilities": ["FARGATE"],
         "containerDefinitions": [{"name": "api", "image": "old", "portMappings": [{"containerPort": 8080}]}]}, "tags": []}
        """;

    private async Task<NodeScript.Result> Run(string? commit, string existingTags = "", string stacksWithoutOutput = "")
    {
        var bin = Directory.CreateDirectory(Path.Combine(work, "bin")).FullName;
        var calls = Path.Combine(work, "calls.log");
        // Reads its stdin for `login --password-stdin`, like the real CLI: a stand-in that does not would
        // make `aws ecr get-login-password | docker login` fail with SIGPIPE under pipefail at random.
        File.WriteAllText(Path.Combine(bin, "docker"), $"#!/usr/bin/env bash\necho \"docker $*\" >> {calls}\nif [ \"$1\" = login ]; then cat > /dev/null; fi\n");
        File.WriteAllText(Path.Combine(bin, "aws"), $$"""
            #!/usr/bin/env bash
            echo "aws $*" >> {{calls}}
            case "$1 $2" in
              "ecr get-login-password") echo secret ;;
              "ecr describe-images")
                repo="$4"; for existing in $EXISTING_TAGS; do [ "$existing" = "$repo" ] && exit 0; done
                echo "ImageNotFoundException" >&2; exit 254 ;;
              "cloudformation describe-stacks")
                stack="$4"; for missing in $STACKS_WITHOUT_OUTPUT; do [ "$missing" = "$stack" ] && { echo None; exit 0; }; done
                echo "arn:aws:ecs:eu-west-1:111111111111:task-definition/${stack%-platform}-api:7" ;;
              "ecs describe-task-definition")
                family="${4##*/}"; family="${family%%:*}"
                echo '{{Described.Replace("\n", " ", StringComparison.Ordinal)}}' | sed "s/FAMILY/$family/g" ;;
              *) echo "unexpected aws call $*" >&2; exit 1 ;;
            esac
            """);
        foreach (var tool in new[] { "docker", "aws" })
        {
            // The build runs on Linux CodeBuild and Linux CI only.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(bin, tool), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["RELEASE_DIR"] = Path.Combine(work, "release"),
            ["ENVIRONMENTS"] = "dev prod",
            ["CONTAINER_NAME"] = "api",
            ["CONTAINER_PORT"] = "8080",
            ["AWS_ACCOUNT_ID"] = "111111111111",
            ["AWS_REGION"] = "eu-west-1",
            ["ECR_REPOSITORY_DEV"] = "payments-dev/api",
            ["ECR_REPOSITORY_PROD"] = "payments-prod/api",
            ["TASK_FAMILY_DEV"] = "payments-dev-api",
            ["TASK_FAMILY_PROD"] = "payments-prod-api",
            ["PLATFORM_STACK_DEV"] = "payments-dev-platform",
            ["PLATFORM_STACK_PROD"] = "payments-prod-platform",
            ["STACKS_WITHOUT_OUTPUT"] = stacksWithoutOutput,
            ["HOOK_FUNCTION_DEV"] = "payments-dev-pre-traffic-hook",
            ["HOOK_FUNCTION_PROD"] = "payments-prod-pre-traffic-hook",
            ["EXISTING_TAGS"] = existingTags,
            ["SOURCE_COMMIT_ID"] = commit ?? "",
        };
        return await NodeScript.RunProcessAsync("bash", ["buildspecs/scripts/build-release.sh"], environment: environment);
    }

    private string[] Calls() => File.Exists(Path.Combine(work, "calls.log")) ? File.ReadAllLines(Path.Combine(work, "calls.log")) : [];

    [Fact]
    public void The_script_is_run_with_the_release_directory_outside_the_checkout() =>
        Assert.False(Directory.Exists(Path.Combine(NodeScript.RepositoryRoot(), "release")));

    [Fact]
    public async Task One_image_is_built_tagged_with_the_commit_and_pushed_to_each_environment()
    {
        var result = await Run(Commit);
        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        var calls = Calls();
        var build = Assert.Single(calls, c => c.StartsWith("docker build", StringComparison.Ordinal));
        // The task definitions ask for X86_64 (Services.cs); the image is built for it on any host.
        Assert.Contains("--platform linux/amd64", build, StringComparison.Ordinal);
        Assert.Contains(calls, c => c == $"docker push 111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-dev/api:{Commit}");
        Assert.Contains(calls, c => c == $"docker push 111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-prod/api:{Commit}");
        Assert.Contains(calls, c => c.Contains("--file src/Payments.Api/Dockerfile", StringComparison.Ordinal) && c.Contains($"org.opencontainers.image.revision={Commit}", StringComparison.Ordinal));
        foreach (var env in new[] { "dev", "prod" })
        {
            var directory = Path.Combine(work, "release", env);
            var taskdef = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "taskdef.json")))!;
            Assert.Equal($"payments-{env}-api", (string?)taskdef["family"]);
            Assert.Equal("<IMAGE1_NAME>", (string?)taskdef["containerDefinitions"]![0]!["image"]);
            Assert.Contains($"AfterAllowTestTraffic: \"payments-{env}-pre-traffic-hook\"", File.ReadAllText(Path.Combine(directory, "appspec.yaml")), StringComparison.Ordinal);
            Assert.Equal($"111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-{env}/api:{Commit}", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "imageDetail.json")))!["ImageURI"]);
        }
    }

    [Fact]
    public async Task A_retried_build_reuses_an_existing_immutable_tag_instead_of_pushing_again()
    {
        var result = await Run(Commit, existingTags: "payments-prod/api");
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.DoesNotContain(Calls(), c => c.StartsWith("docker push", StringComparison.Ordinal) && c.Contains("payments-prod", StringComparison.Ordinal));
        Assert.Contains(Calls(), c => c.StartsWith("docker push", StringComparison.Ordinal) && c.Contains("payments-dev", StringComparison.Ordinal));
        Assert.Contains("already exists (immutable tag)", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(work, "release", "prod", "imageDetail.json")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("latest")]
    [InlineData("main")]
    public async Task Without_a_commit_id_nothing_is_built_or_pushed(string? commit)
    {
        var result = await Run(commit);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("refusing to push an untraceable image", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Calls());
    }

    [Fact]
    public async Task The_release_is_rendered_from_the_revision_cloudformation_manages_not_the_family_latest()
    {
        // The family's latest revision is the one CodeDeploy registered from the previous release; rendering
        // from it would keep old container settings forever and platform changes would never go live.
        var result = await Run(Commit);
        Assert.True(result.ExitCode == 0, result.StandardError);
        foreach (var env in new[] { "dev", "prod" })
        {
            Assert.Contains(Calls(), c => c.StartsWith($"aws cloudformation describe-stacks --stack-name payments-{env}-platform", StringComparison.Ordinal) && c.Contains("OutputKey=='ApiTaskDefinitionArn'", StringComparison.Ordinal));
            Assert.Contains(Calls(), c => c.StartsWith($"aws ecs describe-task-definition --task-definition arn:aws:ecs:eu-west-1:111111111111:task-definition/payments-{env}-api:7", StringComparison.Ordinal));
        }
        Assert.DoesNotContain(Calls(), c => c.StartsWith("aws ecs describe-task-definition --task-definition payments-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_platform_stack_without_the_revision_output_stops_the_build_with_a_reason()
    {
        var result = await Run(Commit, stacksWithoutOutput: "payments-prod-platform");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("stack payments-prod-platform has no ApiTaskDefinitionArn output for family payments-prod-api (got 'None')", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(work, "release", "prod", "taskdef.json")));
    }
}
