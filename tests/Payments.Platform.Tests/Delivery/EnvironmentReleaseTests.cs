using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// buildspecs/scripts/release-environment.sh end to end (the pipeline's Release action of one environment,
/// after its Infrastructure action), with the <c>aws</c> stand-in of <see cref="AwsCliStubs"/>: release files
/// from the revision the infrastructure deploy registered, and the deployed-&lt;commit&gt; promotion tag.
/// </summary>
public sealed class EnvironmentReleaseTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private const string Strategy = """[{"CapacityProvider":"FARGATE","Base":1,"Weight":1},{"CapacityProvider":"FARGATE_SPOT","Weight":3}]""";
    private static readonly string Released = $"payments-staging/api:{Commit}={AwsCliStubs.BuiltDigest}";
    private readonly string work = Directory.CreateTempSubdirectory("release-environment-").FullName;
    private readonly AwsCliStubs stubs;

    public EnvironmentReleaseTests()
    {
        stubs = new AwsCliStubs(work);
        Directory.CreateDirectory(Path.Combine(work, "image"));
        File.WriteAllText(Path.Combine(work, "image", "image.json"), $$"""{"tag":"{{Commit}}","digest":"{{AwsCliStubs.BuiltDigest}}","scannedIn":"payments-dev/api"}""");
    }

    public void Dispose() => Directory.Delete(work, recursive: true);

    private string Release(string file) => Path.Combine(work, "release", file);

    private Task<CommandRunner.Result> Run(string existing, string stacksWithoutOutput = "", string putImageError = "", bool withImageArtifact = true) =>
        NodeScript.RunProcessAsync("bash", ["buildspecs/scripts/release-environment.sh"], environment: Variables(existing, stacksWithoutOutput, putImageError, withImageArtifact));

    private Dictionary<string, string> Variables(string existing, string stacksWithoutOutput = "", string putImageError = "", bool withImageArtifact = true) =>
        stubs.Environment(new Dictionary<string, string>
        {
            ["RELEASE_DIR"] = Path.Combine(work, "release"),
            // As CodeBuild names the directory of the pipeline's image artifact (a secondary input).
            [$"CODEBUILD_SRC_DIR_{Payments.Platform.Delivery.PipelineStack.ImageArtifactName}"] = withImageArtifact ? Path.Combine(work, "image") : Path.Combine(work, "no-image"),
            ["ENVIRONMENT"] = "staging",
            ["ECR_REPOSITORY"] = "payments-staging/api",
            ["TASK_FAMILY"] = "payments-staging-api",
            ["PLATFORM_STACK"] = "payments-staging-platform",
            ["HOOK_FUNCTION"] = "payments-staging-pre-traffic-hook",
            ["CAPACITY_PROVIDER_STRATEGY"] = Strategy,
            ["CONTAINER_NAME"] = "api",
            ["CONTAINER_PORT"] = "8080",
            ["EXISTING_IMAGES"] = existing,
            ["STACKS_WITHOUT_OUTPUT"] = stacksWithoutOutput,
            ["PUT_IMAGE_ERROR"] = putImageError,
        });

    [Fact]
    public async Task Without_RELEASE_DIR_the_release_files_are_written_where_the_release_buildspec_collects_them()
    {
        var checkout = AwsCliStubs.ScratchCheckout(work);
        var (baseDirectory, files) = AwsCliStubs.ArtifactsOf("release.yml");

        var result = await NodeScript.RunProcessAsync("env", ["-u", "RELEASE_DIR", "bash", Path.Combine(checkout, "buildspecs/scripts/release-environment.sh")], environment: Variables(Released));

        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        Assert.Equal(["taskdef.json", "appspec.yaml", "imageDetail.json"], files);
        Assert.All(files, file => Assert.True(File.Exists(Path.Combine(checkout, baseDirectory, file)), $"{file} is not in {baseDirectory}"));
    }

    [Theory]
    [InlineData("ECR_REPOSITORY")]
    [InlineData("TASK_FAMILY")]
    [InlineData("PLATFORM_STACK")]
    [InlineData("HOOK_FUNCTION")]
    [InlineData("CAPACITY_PROVIDER_STRATEGY")]
    [InlineData("CONTAINER_NAME")]
    [InlineData("CONTAINER_PORT")]
    [InlineData("AWS_ACCOUNT_ID")]
    public async Task Each_variable_the_project_and_the_action_set_is_needed_to_render_a_release(string variable)
    {
        var result = await NodeScript.RunProcessAsync("env", ["-u", variable, "bash", "buildspecs/scripts/release-environment.sh"], environment: Variables(Released));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(variable, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Release("taskdef.json")));
    }

    private List<string> Calls(string prefix) => stubs.Calls().Where(c => c.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private static YamlMappingNode Appspec(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    [Fact]
    public async Task The_release_is_rendered_from_the_revision_the_infrastructure_deploy_registered()
    {
        var result = await Run(Released);
        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        Assert.Single(Calls("aws cloudformation describe-stacks --stack-name payments-staging-platform --query Stacks[0].Outputs[?OutputKey=='ApiTaskDefinitionArn'].OutputValue"));
        // The output's revision, never the family's latest (the one CodeDeploy registered from the previous release).
        Assert.Equal(["aws ecs describe-task-definition --task-definition arn:aws:ecs:eu-west-1:111111111111:task-definition/payments-staging-api:7 --include TAGS"],
            Calls("aws ecs describe-task-definition"));
        var taskdef = JsonNode.Parse(File.ReadAllText(Release("taskdef.json")))!;
        Assert.Equal("payments-staging-api", (string?)taskdef["family"]);
        Assert.Equal("<IMAGE1_NAME>", (string?)taskdef["containerDefinitions"]![0]!["image"]);
        Assert.Equal($"{AwsCliStubs.Registry}/payments-staging/api:{Commit}", (string?)JsonNode.Parse(File.ReadAllText(Release("imageDetail.json")))!["ImageURI"]);
    }

    [Fact]
    public async Task The_replacement_task_set_keeps_the_services_capacity_provider_strategy()
    {
        var result = await Run(Released);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var appspec = Appspec(Release("appspec.yaml"));
        var target = (YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)appspec["Resources"])[0])["TargetService"];
        var properties = (YamlMappingNode)target["Properties"];
        Assert.Equal("AWS::ECS::Service", target["Type"].ToString());
        var strategy = ((YamlSequenceNode)properties["CapacityProviderStrategy"]).Cast<YamlMappingNode>()
            .Select(item => string.Join(',', item.Children.Select(pair => $"{pair.Key}={pair.Value}")))
            .ToList();
        Assert.Equal(["CapacityProvider=FARGATE,Base=1,Weight=1", "CapacityProvider=FARGATE_SPOT,Weight=3"], strategy);
        var hook = (YamlMappingNode)((YamlSequenceNode)appspec["Hooks"])[0];
        Assert.Equal("payments-staging-pre-traffic-hook", hook["AfterAllowTestTraffic"].ToString());
    }

    [Fact]
    public async Task A_first_release_fails_with_a_reason_when_the_stack_has_no_revision_output()
    {
        var result = await Run(Released, stacksWithoutOutput: "payments-staging-platform");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("stack payments-staging-platform has no ApiTaskDefinitionArn output for family payments-staging-api (got 'None')", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Release("taskdef.json")));
        Assert.Empty(Calls("aws ecr put-image"));
    }

    [Fact]
    public async Task Without_the_image_artifact_of_a_passed_scan_nothing_is_rendered_or_tagged()
    {
        var result = await Run(Released, withImageArtifact: false);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("did not pass its scan gate", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(stubs.Calls());
    }

    [Fact]
    public async Task An_image_missing_from_the_environment_repository_is_refused()
    {
        var result = await Run(existing: "");
        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"payments-staging/api:{Commit} does not exist", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Release("taskdef.json")));
    }

    [Fact]
    public async Task The_released_image_is_tagged_deployed_with_its_own_manifest()
    {
        var result = await Run(Released);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var put = Assert.Single(Calls("aws ecr put-image"));
        Assert.StartsWith($"aws ecr put-image --repository-name payments-staging/api --image-tag deployed-{Commit} --image-manifest file://", put, StringComparison.Ordinal);
        Assert.Contains("--image-manifest-media-type application/vnd.oci.image.manifest.v1+json", put, StringComparison.Ordinal);
        // The same bytes: a re-serialized manifest would get another digest, an image nobody scanned.
        Assert.Equal(AwsCliStubs.Manifest, stubs.PutManifest);
        Assert.Contains($"tagged payments-staging/api:{Commit} as deployed-{Commit}", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_promotion_tag_on_the_same_image_is_left_alone()
    {
        var result = await Run($"{Released} payments-staging/api:deployed-{Commit}={AwsCliStubs.BuiltDigest}");
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Empty(Calls("aws ecr put-image"));
        Assert.Contains("already marks this image", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_promotion_tag_on_another_image_stops_the_release()
    {
        var result = await Run($"{Released} payments-staging/api:deployed-{Commit}=sha256:9999");
        Assert.Equal(6, result.ExitCode);
        Assert.Contains("names another image", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Calls("aws ecr put-image"));
    }

    [Fact]
    public async Task A_promotion_tag_that_another_run_put_first_is_accepted_other_put_errors_are_not()
    {
        var raced = await Run(Released, putImageError: "An error occurred (ImageAlreadyExistsException) when calling the PutImage operation: Image with digest 'sha256:1111' and tag 'deployed-x' already exists");
        Assert.True(raced.ExitCode == 0, raced.StandardError);

        File.WriteAllText(Path.Combine(work, "images.txt"), "");
        var denied = await Run(Released, putImageError: "An error occurred (AccessDeniedException) when calling the PutImage operation");
        Assert.Equal(7, denied.ExitCode);
        Assert.Contains("AccessDeniedException", denied.StandardError, StringComparison.Ordinal);
    }
}
