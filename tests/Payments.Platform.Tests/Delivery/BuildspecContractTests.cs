using Payments.Platform.Delivery;
using YamlDotNet.RepresentationModel;

namespace Payments.Platform.Tests.Delivery;

/// <summary>The names the CDK code and the buildspecs/scripts share (artifact identifiers, variables, commands) agree.</summary>
public sealed class BuildspecContractTests
{
    private static string Read(string relative) => File.ReadAllText(Path.Combine(Repository.Root, relative));

    private static YamlMappingNode Buildspec(string name)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Read($"buildspecs/{name}")));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static List<string> ArtifactFiles(YamlMappingNode buildspec, out string baseDirectory)
    {
        var artifacts = (YamlMappingNode)buildspec["artifacts"];
        baseDirectory = artifacts["base-directory"].ToString();
        return ((YamlSequenceNode)artifacts["files"]).Select(f => f.ToString()).ToList();
    }

    [Fact]
    public void The_image_buildspec_hands_on_only_the_image_artifact_the_script_writes_after_the_scan_gate()
    {
        var files = ArtifactFiles(Buildspec("image.yml"), out var baseDirectory);
        Assert.Equal(["image.json"], files);
        Assert.Contains($"out=\"${{IMAGE_ARTIFACT_DIR:-{baseDirectory}}}\"", Read("buildspecs/scripts/build-image.sh"), StringComparison.Ordinal);
        Assert.False(((YamlMappingNode)Buildspec("image.yml")["artifacts"]).Children.ContainsKey("secondary-artifacts"));
    }

    [Fact]
    public void The_release_buildspec_hands_on_the_three_files_the_CodeDeploy_action_reads()
    {
        var files = ArtifactFiles(Buildspec("release.yml"), out var baseDirectory);
        Assert.Equal(["taskdef.json", "appspec.yaml", "imageDetail.json"], files);
        Assert.Contains($"--out \"${{RELEASE_DIR:-{baseDirectory}}}\"", Read("buildspecs/scripts/release-environment.sh"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_infrastructure_step_reads_the_synth_and_image_artifacts_and_the_environment_the_action_sets()
    {
        Assert.Contains($"CODEBUILD_SRC_DIR_{PipelineStack.SynthArtifactName}", Read("buildspecs/scripts/deploy-infra.sh"), StringComparison.Ordinal);
        Assert.Contains($"CODEBUILD_SRC_DIR_{PipelineStack.ImageArtifactName}", Read("buildspecs/scripts/deploy-infra.sh"), StringComparison.Ordinal);
        Assert.Contains($"CODEBUILD_SRC_DIR_{PipelineStack.ImageArtifactName}", Read("buildspecs/scripts/release-environment.sh"), StringComparison.Ordinal);
        Assert.Contains("deploy-infra.sh \"$ENVIRONMENT\"", Read("buildspecs/infra.yml"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_release_scripts_use_every_variable_their_projects_and_actions_define()
    {
        var image = Read("buildspecs/scripts/build-image.sh");
        foreach (var variable in new[] { "ENVIRONMENTS", "AWS_ACCOUNT_ID", "ECR_REPOSITORY_" })
        {
            Assert.Contains(variable, image, StringComparison.Ordinal);
        }
        var release = Read("buildspecs/scripts/release-environment.sh");
        foreach (var variable in new[] { "CONTAINER_NAME", "CONTAINER_PORT", "AWS_ACCOUNT_ID", "ECR_REPOSITORY", "TASK_FAMILY", "PLATFORM_STACK", "HOOK_FUNCTION", "CAPACITY_PROVIDER_STRATEGY" })
        {
            Assert.Contains(variable, release, StringComparison.Ordinal);
        }
        Assert.Contains("SOURCE_COMMIT_ID", Read("buildspecs/scripts/source-commit.sh"), StringComparison.Ordinal);
    }

    [Fact]
    public void CodeBuild_and_GitHub_Actions_both_run_the_README_test_command()
    {
        Assert.Contains("./scripts/test.sh", Read("README.md"), StringComparison.Ordinal);
        Assert.Contains("./scripts/test.sh", Read("buildspecs/test.yml"), StringComparison.Ordinal);
        Assert.Contains("run: ./scripts/test.sh", Read(".github/workflows/ci.yml"), StringComparison.Ordinal);
    }

    private static async Task<string[]> RunWithStubs(string directory, string commandLine, IDictionary<string, string> environment)
    {
        var bin = Directory.CreateDirectory(Path.Combine(directory, "bin")).FullName;
        var calls = Path.Combine(directory, "calls.log");
        foreach (var tool in new[] { "npx" })
        {
            File.WriteAllText(Path.Combine(bin, tool), $"#!/usr/bin/env bash\necho \"{tool} $*\" >> {calls}\n");
            // The buildspecs run on Linux CodeBuild and Linux CI only.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(bin, tool), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        var variables = new Dictionary<string, string>(environment) { ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}", ["results"] = directory };
        var result = await NodeScript.RunProcessAsync("bash", ["-c", $"set -uo pipefail\n{commandLine}"], environment: variables);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return File.Exists(calls) ? File.ReadAllLines(calls) : [];
    }

    [Fact]
    public async Task The_test_action_synthesizes_the_deployed_assembly_with_the_commit_as_image_tag()
    {
        using var directory = new TemporaryDirectory();
        // test.yml hands the commit to the README's test command ...
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Read("buildspecs/test.yml")));
        var build = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["phases"])["build"])["commands"];
        var run = Assert.Single(build, c => c.ToString().Contains("./scripts/test.sh", StringComparison.Ordinal)).ToString();
        Assert.Equal("commit=$(./buildspecs/scripts/source-commit.sh) && PAYMENTS_IMAGE_TAG=\"$commit\" ./scripts/test.sh", run);
        // ... whose synth line passes it as the imageTag context, and synthesizes the bootstrap image without it.
        // (the other synth line is the prod-on-an-RDS-instance variant, checked only, never deployed)
        var synth = Assert.Single(Read("scripts/test.sh").Split('\n'), l => l.StartsWith("npx cdk synth", StringComparison.Ordinal) && l.Contains("PAYMENTS_IMAGE_TAG", StringComparison.Ordinal));
        var tagged = await RunWithStubs(directory.Path, synth, new Dictionary<string, string> { ["PAYMENTS_IMAGE_TAG"] = "0123456789abcdef0123456789abcdef01234567" });
        Assert.Equal(["npx cdk synth --quiet -o cdk.out -c imageTag=0123456789abcdef0123456789abcdef01234567"], tagged);
        File.Delete(Path.Combine(directory.Path, "calls.log"));
        var untagged = await RunWithStubs(directory.Path, synth, new Dictionary<string, string>());
        Assert.Equal(["npx cdk synth --quiet -o cdk.out"], untagged);
    }

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("buildspec-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    [Fact]
    public void The_scan_buildspec_gates_on_the_json_report()
    {
        var scan = Read("buildspecs/scan.yml");
        Assert.Contains("dotnet list Payments.slnx package --vulnerable --include-transitive --format json > vulnerabilities.json", scan, StringComparison.Ordinal);
        Assert.Contains("node buildspecs/scripts/vulnerability-gate.js vulnerabilities.json", scan, StringComparison.Ordinal);
    }

    [Fact]
    public void The_test_buildspec_caches_NuGet_and_npm_and_hands_on_the_cloud_assembly()
    {
        var test = Read("buildspecs/test.yml");
        Assert.Contains("/root/.nuget/packages/**/*", test, StringComparison.Ordinal);
        Assert.Contains("/root/.npm/**/*", test, StringComparison.Ordinal);
        Assert.Contains("base-directory: cdk.out", test, StringComparison.Ordinal);
    }
}
