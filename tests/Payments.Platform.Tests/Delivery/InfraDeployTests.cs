namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// buildspecs/scripts/deploy-infra.sh (the pipeline's Infrastructure action) with stand-ins for <c>npm</c>
/// and <c>npx</c> on PATH that record their calls (<c>npx cdk diff</c> answers with a scenario's diff):
/// nothing is deployed without the scanned image's artifact, from an assembly that does not run that image,
/// or past a hazardous diff.
/// </summary>
public sealed class InfraDeployTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly string work = Directory.CreateTempSubdirectory("deploy-infra-").FullName;

    public InfraDeployTests()
    {
        var bin = Directory.CreateDirectory(Path.Combine(work, "bin")).FullName;
        foreach (var tool in new[] { "npm", "npx" })
        {
            var path = Path.Combine(bin, tool);
            File.WriteAllText(path, $"#!/usr/bin/env bash\necho \"{tool} $*\" >> {Calls}\nif [ \"$1 $2\" = \"cdk diff\" ]; then cat \"$CDK_DIFF\"; fi\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        Directory.CreateDirectory(Path.Combine(work, "image"));
        File.WriteAllText(Path.Combine(work, "image", "image.json"), $$"""{"tag":"{{Commit}}"}""");
    }

    public void Dispose() => Directory.Delete(work, recursive: true);

    private string Calls => Path.Combine(work, "calls.log");

    private string[] Recorded() => File.Exists(Calls) ? File.ReadAllLines(Calls) : [];

    /// <summary>A one-stage assembly whose api and worker task definitions run <paramref name="apiImage"/> and <paramref name="workerImage"/> (as CDK writes an ECR image URI).</summary>
    private string Assembly(string apiImage, string workerImage)
    {
        var stage = Directory.CreateDirectory(Path.Combine(work, "cdk.out", "assembly-staging")).FullName;
        static string TaskDefinition(string name, string image) => $$"""
            {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Family": "payments-staging-{{name}}", "ContainerDefinitions": [{"Name": "{{name}}",
             "Image": {"Fn::Join": ["", [{"Fn::Select": [4, {"Fn::Split": [":", {"Fn::GetAtt": ["Repo", "Arn"]}]}]}, ".dkr.ecr.eu-west-1.", {"Ref": "AWS::URLSuffix"}, "/", {"Ref": "Repo"}, "{{image}}"]] } } ] } }
            """;
        File.WriteAllText(Path.Combine(stage, "stagingPlatform.template.json"), $$"""
            {"Resources": {"ApiTaskDefinition": {{TaskDefinition("api", apiImage)}}, "WorkerTaskDefinition": {{TaskDefinition("worker", workerImage)}} } }
            """);
        return Path.Combine(work, "cdk.out");
    }

    private Task<CommandRunner.Result> Deploy(string assembly, string diff = "Stack staging/Platform\nThere were no differences\n", bool withImage = true)
    {
        var diffFile = Path.Combine(work, "diff.txt");
        File.WriteAllText(diffFile, diff);
        return NodeScript.RunProcessAsync("bash", ["buildspecs/scripts/deploy-infra.sh", "staging"], environment: new Dictionary<string, string>
        {
            ["PATH"] = $"{Path.Combine(work, "bin")}:{Environment.GetEnvironmentVariable("PATH")}",
            // As CodeBuild names the directories of the pipeline's secondary inputs.
            [$"CODEBUILD_SRC_DIR_{Payments.Platform.Delivery.PipelineStack.SynthArtifactName}"] = assembly,
            [$"CODEBUILD_SRC_DIR_{Payments.Platform.Delivery.PipelineStack.ImageArtifactName}"] = withImage ? Path.Combine(work, "image") : Path.Combine(work, "none"),
            ["CDK_DIFF"] = diffFile,
        });
    }

    [Fact]
    public async Task An_assembly_running_the_scanned_image_is_diffed_guarded_and_deployed()
    {
        var assembly = Assembly($":{Commit}", $":{Commit}");
        var result = await Deploy(assembly);
        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        Assert.Equal(
            ["npm ci --no-audit --no-fund --loglevel=error",
             $"npx cdk diff --app {assembly} staging/* --no-color",
             $"npx cdk deploy --app {assembly} staging/* --require-approval never --no-color --progress events"],
            Recorded());
    }

    [Fact]
    public async Task Without_the_image_artifact_nothing_is_deployed()
    {
        var result = await Deploy(Assembly($":{Commit}", $":{Commit}"), withImage: false);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("did not pass its scan gate", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Recorded());
    }

    [Theory]
    [InlineData(":0000000000000000000000000000000000000000", "container api")]
    [InlineData(":payments-api-bootstrap-v1", "container api")]
    public async Task An_assembly_that_would_run_another_image_is_not_deployed(string apiImage, string expected)
    {
        var result = await Deploy(Assembly(apiImage, $":{Commit}"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Recorded());
    }

    [Fact]
    public async Task A_listener_change_in_the_diff_stops_before_cdk_deploy()
    {
        var assembly = Assembly($":{Commit}", $":{Commit}");
        var result = await Deploy(assembly, "[~] AWS::ElasticLoadBalancingV2::Listener Edge/ProdListener EdgeProdListenerAB12\n └─ [~] DefaultActions\n");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("listener change would reset traffic", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(Recorded(), c => c.StartsWith("npx cdk deploy", StringComparison.Ordinal));
    }
}
