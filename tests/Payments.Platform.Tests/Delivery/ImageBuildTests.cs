using System.Text.Json.Nodes;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// buildspecs/scripts/build-image.sh end to end (the pipeline's Image action), with the <c>aws</c> and
/// <c>docker</c> stand-ins of <see cref="AwsCliStubs"/>: one build per commit, the immutable tag looked up
/// and reused, the scan gate before anything reaches a second repository or the image artifact.
/// </summary>
public sealed class ImageBuildTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private const string OtherDigest = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private static readonly string[] Repositories = ["payments-dev/api", "payments-staging/api", "payments-prod/api"];
    private readonly string work = Directory.CreateTempSubdirectory("build-image-").FullName;
    private readonly AwsCliStubs stubs;

    public ImageBuildTests() => stubs = new AwsCliStubs(work);

    public void Dispose() => Directory.Delete(work, recursive: true);

    private string ImageJson => Path.Combine(work, "image", "image.json");

    private Task<CommandRunner.Result> Run(string? commit = Commit, string existing = "", string describeError = "", string? scanReport = null) =>
        NodeScript.RunProcessAsync("bash", ["buildspecs/scripts/build-image.sh"], environment: Variables(commit, existing, describeError, scanReport));

    private Dictionary<string, string> Variables(string? commit = Commit, string existing = "", string describeError = "", string? scanReport = null) =>
        stubs.Environment(new Dictionary<string, string>
        {
            ["IMAGE_ARTIFACT_DIR"] = Path.Combine(work, "image"),
            ["ENVIRONMENTS"] = "dev staging prod",
            ["ECR_REPOSITORY_DEV"] = Repositories[0],
            ["ECR_REPOSITORY_STAGING"] = Repositories[1],
            ["ECR_REPOSITORY_PROD"] = Repositories[2],
            ["SOURCE_COMMIT_ID"] = commit ?? "",
            ["EXISTING_IMAGES"] = existing,
            ["DESCRIBE_IMAGES_ERROR"] = describeError,
            ["SCAN_REPORT"] = scanReport ?? "",
        });

    [Theory]
    [InlineData("ENVIRONMENTS")]
    [InlineData("AWS_ACCOUNT_ID")]
    [InlineData("ECR_REPOSITORY_DEV")]
    [InlineData("ECR_REPOSITORY_STAGING")]
    [InlineData("ECR_REPOSITORY_PROD")]
    public async Task Each_variable_the_project_sets_is_needed_to_publish_the_image(string variable)
    {
        var result = await NodeScript.RunProcessAsync("env", ["-u", variable, "bash", "buildspecs/scripts/build-image.sh"], environment: Variables());

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(variable, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(ImageJson));
    }

    private List<string> Calls(string prefix) => stubs.Calls().Where(c => c.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private string ScanReport(string status, string severityCounts, string findings = "")
    {
        var path = Path.Combine(work, "scan.json");
        File.WriteAllText(path, $$"""
            {"repositoryName": "payments-dev/api", "imageId": {"imageTag": "{{Commit}}"},
             "imageScanStatus": {"status": "{{status}}", "description": "The scan was completed successfully."},
             "imageScanFindings": {"findings": [{{findings}}], "findingSeverityCounts": { {{severityCounts}} } } }
            """);
        return path;
    }

    [Fact]
    public async Task Without_IMAGE_ARTIFACT_DIR_the_image_artifact_is_written_where_the_image_buildspec_collects_it()
    {
        var checkout = AwsCliStubs.ScratchCheckout(work);
        var (baseDirectory, files) = AwsCliStubs.ArtifactsOf("image.yml");

        var result = await NodeScript.RunProcessAsync("env", ["-u", "IMAGE_ARTIFACT_DIR", "bash", Path.Combine(checkout, "buildspecs/scripts/build-image.sh")], environment: Variables());

        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        Assert.Equal(["image.json"], files);
        Assert.Equal(Commit, (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(checkout, baseDirectory, "image.json")))!["tag"]);
    }

    [Fact]
    public async Task A_new_commit_is_built_once_pushed_to_the_scan_repository_gated_then_pushed_to_the_others()
    {
        var result = await Run();
        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        var build = Assert.Single(Calls("docker build"));
        // The task definitions ask for X86_64 (Services.cs); the image is built for it on any host.
        Assert.Contains("--platform linux/amd64", build, StringComparison.Ordinal);
        Assert.Contains("--file src/Payments.Api/Dockerfile", build, StringComparison.Ordinal);
        Assert.Contains($"org.opencontainers.image.revision={Commit}", build, StringComparison.Ordinal);
        var pushes = Calls("docker push");
        Assert.Equal(Repositories.Select(r => $"docker push {AwsCliStubs.Registry}/{r}:{Commit}"), pushes);
        var calls = stubs.Calls().ToList();
        var gate = calls.FindIndex(c => c.StartsWith("aws ecr describe-image-scan-findings --repository-name payments-dev/api", StringComparison.Ordinal));
        Assert.True(gate > calls.IndexOf(pushes[0]) && gate < calls.IndexOf(pushes[1]), string.Join('\n', calls));
        var image = JsonNode.Parse(File.ReadAllText(ImageJson))!;
        Assert.Equal(Commit, (string?)image["tag"]);
        Assert.Equal(AwsCliStubs.BuiltDigest, (string?)image["digest"]);
    }

    [Fact]
    public async Task A_retry_or_an_old_commit_whose_image_exists_everywhere_is_not_rebuilt_but_gated_again()
    {
        // Roll back by re-running an old commit: the immutable tags exist, nothing may be built or pushed.
        var existing = string.Join(' ', Repositories.Select(r => $"{r}:{Commit}={AwsCliStubs.BuiltDigest}"));
        var result = await Run(existing: existing);
        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        Assert.Empty(Calls("docker"));
        Assert.Single(Calls("aws ecr describe-image-scan-findings"));
        Assert.Contains("exists (immutable tag)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(Commit, (string?)JsonNode.Parse(File.ReadAllText(ImageJson))!["tag"]);
    }

    [Fact]
    public async Task An_image_in_the_scan_repository_only_is_copied_not_rebuilt_so_every_repository_holds_one_digest()
    {
        var result = await Run(existing: $"payments-dev/api:{Commit}={AwsCliStubs.BuiltDigest}");
        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        Assert.Empty(Calls("docker build"));
        Assert.Equal([$"docker pull --platform linux/amd64 {AwsCliStubs.Registry}/payments-dev/api:{Commit}"], Calls("docker pull"));
        Assert.Equal(Repositories.Skip(1).Select(r => $"docker push {AwsCliStubs.Registry}/{r}:{Commit}"), Calls("docker push"));
    }

    [Theory]
    [InlineData("An error occurred (AccessDeniedException) when calling the DescribeImages operation: User is not authorized to perform: ecr:DescribeImages")]
    [InlineData("An error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name 'payments-dev/api' does not exist")]
    [InlineData("Could not connect to the endpoint URL: \"https://api.ecr.eu-west-1.amazonaws.com/\"")]
    public async Task Only_ImageNotFound_means_absent_any_other_lookup_error_stops_before_docker(string error)
    {
        var result = await Run(describeError: error);
        Assert.Equal(5, result.ExitCode);
        Assert.Contains("only ImageNotFoundException means absent", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(error, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Calls("docker"));
        Assert.False(File.Exists(ImageJson));
    }

    [Fact]
    public async Task A_critical_finding_halts_the_release_before_any_other_repository_or_the_image_artifact()
    {
        var report = ScanReport("COMPLETE", "\"CRITICAL\": 1, \"HIGH\": 3",
            """{"name": "CVE-2026-0001", "severity": "CRITICAL", "uri": "https://security-tracker.debian.org/tracker/CVE-2026-0001"}""");
        var result = await Run(scanReport: report);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("BLOCKING CRITICAL CVE-2026-0001 https://security-tracker.debian.org/tracker/CVE-2026-0001", result.StandardError, StringComparison.Ordinal);
        Assert.Equal([$"docker push {AwsCliStubs.Registry}/payments-dev/api:{Commit}"], Calls("docker push"));
        Assert.False(File.Exists(ImageJson));
    }

    [Fact]
    public async Task High_findings_are_reported_but_do_not_halt_the_release()
    {
        var result = await Run(scanReport: ScanReport("COMPLETE", "\"HIGH\": 3, \"MEDIUM\": 7"));
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("HIGH 3, MEDIUM 7; 0 blocking (CRITICAL)", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(ImageJson));
    }

    [Theory]
    [InlineData("FAILED")]
    [InlineData("UNSUPPORTED_IMAGE")]
    [InlineData("IN_PROGRESS")]
    public async Task A_scan_that_did_not_complete_fails_closed(string status)
    {
        var result = await Run(scanReport: ScanReport(status, ""));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"is {status}", result.StandardError, StringComparison.Ordinal);
        Assert.Single(Calls("docker push"));
        Assert.False(File.Exists(ImageJson));
    }

    [Fact]
    public async Task One_commit_tag_naming_two_images_stops_the_release()
    {
        var result = await Run(existing: $"payments-prod/api:{Commit}={OtherDigest}");
        Assert.Equal(6, result.ExitCode);
        Assert.Contains($"payments-prod/api:{Commit} is {OtherDigest}", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(ImageJson));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("latest")]
    [InlineData("main")]
    public async Task Without_a_commit_id_nothing_is_built_or_pushed(string? commit)
    {
        var result = await Run(commit);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("refusing an untraceable release", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(stubs.Calls());
    }

    [Fact]
    public void The_script_is_run_with_the_image_directory_outside_the_checkout() =>
        Assert.False(Directory.Exists(Path.Combine(Repository.Root, "image")));
}
