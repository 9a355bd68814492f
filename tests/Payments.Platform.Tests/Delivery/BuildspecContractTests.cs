using System.Text.RegularExpressions;
using Payments.Platform.Delivery;

namespace Payments.Platform.Tests.Delivery;

/// <summary>The names the CDK code and the buildspecs/scripts share (artifact identifiers, variables, commands) agree.</summary>
public sealed partial class BuildspecContractTests
{
    private static string Read(string relative) => File.ReadAllText(Path.Combine(NodeScript.RepositoryRoot(), relative));

    [GeneratedRegex(@"^    (?<id>[a-z_]+):\s*$", RegexOptions.Multiline)]
    private static partial Regex SecondaryArtifact();

    [Fact]
    public void The_image_buildspec_emits_one_release_artifact_per_environment_under_the_pipeline_names()
    {
        var image = Read("buildspecs/image.yml");
        var secondary = image[image.IndexOf("secondary-artifacts:", StringComparison.Ordinal)..];
        var identifiers = SecondaryArtifact().Matches(secondary).Select(m => m.Groups["id"].Value).ToList();
        Assert.Equal(new[] { "dev", "staging", "prod" }.Select(PipelineStack.ReleaseArtifactName), identifiers);
        foreach (var file in new[] { "taskdef.json", "appspec.yaml", "imageDetail.json" })
        {
            Assert.Equal(3, Regex.Count(secondary, Regex.Escape($"- {file}")));
        }
    }

    [Fact]
    public void The_infrastructure_step_reads_the_synth_artifact_and_the_environment_the_action_sets()
    {
        Assert.Contains($"CODEBUILD_SRC_DIR_{PipelineStack.SynthArtifactName}", Read("buildspecs/scripts/deploy-infra.sh"), StringComparison.Ordinal);
        Assert.Contains("deploy-infra.sh \"$ENVIRONMENT\"", Read("buildspecs/infra.yml"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_release_script_uses_every_variable_the_image_project_defines()
    {
        var script = Read("buildspecs/scripts/build-release.sh");
        foreach (var variable in new[] { "ENVIRONMENTS", "CONTAINER_NAME", "CONTAINER_PORT", "AWS_ACCOUNT_ID", "SOURCE_COMMIT_ID", "ECR_REPOSITORY_", "TASK_FAMILY_", "PLATFORM_STACK_", "HOOK_FUNCTION_" })
        {
            Assert.Contains(variable, script, StringComparison.Ordinal);
        }
        Assert.Contains("render-release.js", script, StringComparison.Ordinal);
        Assert.Contains("${release_dir}/${env}", script, StringComparison.Ordinal);
    }

    [Fact]
    public void CodeBuild_and_GitHub_Actions_both_run_the_README_test_command()
    {
        Assert.Contains("./scripts/test.sh", Read("README.md"), StringComparison.Ordinal);
        Assert.Contains("- ./scripts/test.sh", Read("buildspecs/test.yml"), StringComparison.Ordinal);
        Assert.Contains("run: ./scripts/test.sh", Read(".github/workflows/ci.yml"), StringComparison.Ordinal);
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
