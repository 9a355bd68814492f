using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// Every buildspec the pipeline runs pins its runtimes (runtime-versions in the install phase) to versions
/// the CodeBuild image of its project provides: without a pin CodeBuild picks the image's default, which
/// changes when a version reaches end of life; a pin the image lacks fails the install phase.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class BuildspecRuntimeTests(DeliveredApp app) : IClassFixture<DeliveredApp>
{
    /// <summary>
    /// Runtimes per CodeBuild image, from aws/aws-codebuild-docker-images (ubuntu/standard/7.0/runtimes.yml,
    /// 2026-04). A project moving to another image must add that image's list here.
    /// </summary>
    private static readonly Dictionary<string, Dictionary<string, string[]>> ImageRuntimes = new()
    {
        ["aws/codebuild/standard:7.0"] = new()
        {
            ["nodejs"] = ["18", "20", "22", "24"],
            ["python"] = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"],
            ["dotnet"] = ["6.0", "8.0", "10.0"],
            ["java"] = ["corretto8", "corretto11", "corretto17", "corretto21", "corretto25"],
            ["golang"] = ["1.20", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26"],
        },
    };

    private List<(string Buildspec, string Image)> Projects() => TemplateJson.Resources(app.Pipeline, "AWS::CodeBuild::Project")
        .Select(p => p.Resource["Properties"]!)
        .Select(p => ((string)p["Source"]!["BuildSpec"]!, (string)p["Environment"]!["Image"]!))
        .ToList();

    private static Dictionary<string, string> RuntimeVersions(string buildspec)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Repository.Root, buildspec))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var install = (YamlMappingNode)((YamlMappingNode)root["phases"])["install"];
        return ((YamlMappingNode)install["runtime-versions"]).Children.ToDictionary(pair => pair.Key.ToString(), pair => pair.Value.ToString());
    }

    [Fact]
    public void Every_pipeline_buildspec_pins_runtimes_its_image_provides()
    {
        var projects = Projects();
        // test, scan, image, infra, release, and one post-deploy verification project per environment
        Assert.Equal(8, projects.Count);
        foreach (var (buildspec, image) in projects)
        {
            Assert.True(ImageRuntimes.TryGetValue(image, out var available), $"{buildspec}: no runtime list for CodeBuild image {image}");
            var pinned = RuntimeVersions(buildspec);
            Assert.NotEmpty(pinned);
            foreach (var (runtime, version) in pinned)
            {
                Assert.True(available.TryGetValue(runtime, out var versions) && versions.Contains(version),
                    $"{buildspec}: {runtime} {version} is not a runtime of {image} ({string.Join(", ", available.GetValueOrDefault(runtime) ?? [])})");
            }
        }
    }

    [Fact]
    public void Every_action_runs_one_Node_version_the_repository_supports_and_CI_tests_with()
    {
        var nodes = Projects().Select(p => RuntimeVersions(p.Buildspec)["nodejs"]).Distinct().ToList();
        var node = Assert.Single(nodes);
        var engines = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "package.json")))!["engines"]!["node"]!;
        Assert.True(int.Parse(node, System.Globalization.CultureInfo.InvariantCulture) >= int.Parse(engines.TrimStart('>', '='), System.Globalization.CultureInfo.InvariantCulture), $"nodejs {node} vs engines {engines}");
        Assert.Contains($"node-version: {node}", File.ReadAllText(Path.Combine(Repository.Root, ".github", "workflows", "ci.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_test_action_pins_the_python_cfn_lint_is_installed_for()
    {
        var python = RuntimeVersions("buildspecs/test.yml")["python"];
        Assert.Contains($"python-version: \"{python}\"", File.ReadAllText(Path.Combine(Repository.Root, ".github", "workflows", "ci.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public void No_buildspec_pins_dotnet_because_CodeBuild_would_write_its_own_global_json_over_ours()
    {
        // standard:7.0's dotnet runtime step runs `dotnet new globaljson ... --output .` in the source
        // directory; the SDK global.json asks for comes from install-tools.sh instead.
        foreach (var (buildspec, _) in Projects())
        {
            Assert.False(RuntimeVersions(buildspec).ContainsKey("dotnet"), buildspec);
        }
        Assert.Contains("global.json", File.ReadAllText(Path.Combine(Repository.Root, "buildspecs", "scripts", "install-tools.sh")), StringComparison.Ordinal);
    }
}
