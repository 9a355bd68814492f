using System.Text.Json.Nodes;

namespace Payments.Platform.Tests;

/// <summary>How the CDK app is run and which CDK it is built with: cdk.json, the CLI pin and the library pin.</summary>
public sealed class CdkAppTests
{
    [Fact]
    public void Cdk_json_runs_the_platform_project_and_the_cli_and_library_are_pinned_exactly()
    {
        var cdk = JsonNode.Parse(File.ReadAllText(Repository.PathOf("cdk.json")))!;
        var app = cdk["app"].Str().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["dotnet", "run", "--project"], app[..3]);
        Assert.True(File.Exists(Repository.PathOf(app[3], "Payments.Platform.csproj")), $"cdk.json runs {app[3]}, which is not the platform project");
        Assert.Equal(["-c", "Release"], app[4..]);

        // The standard CLI, pinned exactly (no range), and locked at the same version.
        var package = JsonNode.Parse(File.ReadAllText(Repository.PathOf("package.json")))!;
        Assert.Equal("3.0.0", package["devDependencies"]!["aws-cdk"].Str());
        var lockFile = JsonNode.Parse(File.ReadAllText(Repository.PathOf("package-lock.json")))!;
        Assert.Equal("3.0.0", lockFile["packages"]!["node_modules/aws-cdk"]!["version"].Str());

        var packages = System.Xml.Linq.XDocument.Load(Repository.PathOf("Directory.Packages.props"));
        var cdkLib = packages.Descendants("PackageVersion").Single(p => (string?)p.Attribute("Include") == "Amazon.CDK.Lib");
        Assert.Equal("2.160.0", (string?)cdkLib.Attribute("Version"));
    }
}
