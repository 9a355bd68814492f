using System.Text.Json.Nodes;

namespace Payments.Platform.Tests.Delivery;

/// <summary>buildspecs/scripts/relocate-assets.js: Docker asset contexts follow the checkout from the Test build to the Infrastructure build.</summary>
public sealed class RelocateAssetsTests : IDisposable
{
    private const string Script = "buildspecs/scripts/relocate-assets.js";
    private readonly string work = Directory.CreateTempSubdirectory("relocate-assets-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    private static string Manifest(string directory) => $$"""
        {
         "version": "36.0.0",
         "files": { "abc": { "source": { "path": "asset.abc", "packaging": "file" }, "destinations": {} } },
         "dockerImages": {
          "payments-api-bootstrap-v1": {
           "source": { "directory": "{{directory}}", "dockerFile": "src/Payments.Api/Dockerfile" },
           "destinations": {}
          }
         }
        }
        """;

    private (string Assembly, string Checkout) Layout(string recordedRoot)
    {
        var assembly = Path.Combine(work, "cdk.out");
        Directory.CreateDirectory(Path.Combine(assembly, "assembly-dev"));
        File.WriteAllText(Path.Combine(assembly, "assembly-dev", "devPlatform.assets.json"), Manifest(recordedRoot));
        var checkout = Path.Combine(work, "checkout");
        Directory.CreateDirectory(Path.Combine(checkout, "src", "Payments.Api"));
        File.WriteAllText(Path.Combine(checkout, "src", "Payments.Api", "Dockerfile"), "FROM scratch\n");
        return (assembly, checkout);
    }

    private static string AssetDirectory(string assembly) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(assembly, "assembly-dev", "devPlatform.assets.json")))!["dockerImages"]!["payments-api-bootstrap-v1"]!["source"]!["directory"]!.ToString();

    [Fact]
    public async Task A_context_from_another_build_directory_moves_to_this_checkout()
    {
        var (assembly, checkout) = Layout("/codebuild/output/src111/src");
        var result = await NodeScript.RunAsync(Script, [assembly, checkout]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(checkout, AssetDirectory(assembly));
        Assert.Contains("/codebuild/output/src111/src -> ", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_context_that_still_exists_is_left_alone()
    {
        var (assembly, checkout) = Layout(Path.Combine(work, "checkout"));
        var result = await NodeScript.RunAsync(Script, [assembly, checkout]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(checkout, AssetDirectory(assembly));
        Assert.Empty(result.StandardOutput);
    }

    [Fact]
    public async Task A_checkout_without_the_Dockerfile_is_refused()
    {
        var (assembly, _) = Layout("/codebuild/output/src111/src");
        var empty = Directory.CreateDirectory(Path.Combine(work, "empty")).FullName;
        var result = await NodeScript.RunAsync(Script, [assembly, empty]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("holds src/Payments.Api/Dockerfile", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("/codebuild/output/src111/src", AssetDirectory(assembly));
    }

    [Fact]
    public async Task Missing_arguments_are_refused()
    {
        var result = await NodeScript.RunAsync(Script, []);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage", result.StandardError, StringComparison.Ordinal);
    }
}
