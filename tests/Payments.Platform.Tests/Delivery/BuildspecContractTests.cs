using Payments.Platform.Delivery;
using YamlDotNet.RepresentationModel;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// The names the CDK code and the buildspecs/scripts share (artifacts, commands) agree. The variables each script
/// needs, and the directories it writes its artifacts to, are proven where the scripts run: ImageBuildTests,
/// EnvironmentReleaseTests, InfraDeployTests.
/// </summary>
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
    public void The_image_buildspec_hands_on_only_the_image_artifact()
    {
        // Where build-image.sh writes it: ImageBuildTests runs the script without IMAGE_ARTIFACT_DIR.
        Assert.Equal(["image.json"], ArtifactFiles(Buildspec("image.yml"), out _));
        Assert.False(((YamlMappingNode)Buildspec("image.yml")["artifacts"]).Children.ContainsKey("secondary-artifacts"));
    }

    [Fact]
    public void The_infrastructure_buildspec_runs_only_the_deploy_script_for_the_ENVIRONMENT_variable()
    {
        // The artifact directories deploy-infra.sh reads are proven by InfraDeployTests, which runs it with CodeBuild's names for them.
        Assert.Equal(["./buildspecs/scripts/deploy-infra.sh \"$ENVIRONMENT\""], BuildCommands(Buildspec("infra.yml")));
    }

    [Fact]
    public void CodeBuild_and_GitHub_Actions_both_run_the_README_test_command()
    {
        // The README's test command: the last shell block of its "The two commands" section, one line.
        var readme = Read("README.md").Split('\n');
        var section = readme.SkipWhile(l => l != "## The two commands").Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)).ToList();
        var lastBlock = section.Select((line, index) => (line, index)).Last(l => l.line == "```bash").index;
        var command = Assert.Single(section.Skip(lastBlock + 1).TakeWhile(l => l != "```"));

        Assert.Contains($"exec {command}", Read(".ci/run").Split('\n'));

        Assert.Contains(BuildCommands(Buildspec("test.yml")), c => c.EndsWith($" {command}", StringComparison.Ordinal));
        var workflow = new YamlStream();
        workflow.Load(new StringReader(Read(".github/workflows/ci.yml")));
        var steps = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)workflow.Documents[0].RootNode)["jobs"])["test"])["steps"];
        Assert.Contains(steps.Cast<YamlMappingNode>(), step => step.Children.TryGetValue("run", out var run) && run.ToString() == command);
    }

    private static List<string> BuildCommands(YamlMappingNode buildspec) =>
        ((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)buildspec["phases"])["build"])["commands"]).Select(c => c.ToString()).ToList();

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

    [Theory]
    [InlineData("Low", 0)]
    [InlineData("High", 1)]
    public async Task The_scan_buildspec_fails_on_what_the_vulnerability_listing_reports(string severity, int expectedExit)
    {
        // The build phase as CodeBuild runs it, from a scratch directory, with the buildspec's own
        // DOTNET_ROOT (first on PATH) pointing at a dotnet that answers the listing with this report.
        using var directory = new TemporaryDirectory();
        var dotnetRoot = Directory.CreateDirectory(Path.Combine(directory.Path, "dotnet")).FullName;
        var report = Path.Combine(directory.Path, "listing.json");
        File.WriteAllText(report, $$"""
            {"version": 1, "parameters": "--vulnerable --include-transitive", "sources": ["s"], "projects": [{"path": "/src/A/A.csproj",
              "frameworks": [{"framework": "net10.0", "transitivePackages": [{"id": "Transitive.Package", "resolvedVersion": "4.1.0",
                "vulnerabilities": [{"severity": "{{severity}}", "advisoryurl": "https://github.com/advisories/GHSA-bbbb"}]}]}]}]}
            """);
        var calls = Path.Combine(directory.Path, "dotnet-calls.log");
        WriteExecutable(Path.Combine(dotnetRoot, "dotnet"), $"#!/usr/bin/env bash\necho \"$*\" >> {calls}\nif [ \"$1\" = list ]; then cat {report}; fi\n");
        File.CreateSymbolicLink(Path.Combine(directory.Path, "buildspecs"), Path.Combine(Repository.Root, "buildspecs"));
        var scan = Buildspec("scan.yml");

        var result = await RunPhaseAsync(scan, directory.Path, new Dictionary<string, string> { ["DOTNET_ROOT"] = dotnetRoot });

        Assert.True(result.ExitCode == expectedExit, $"exit {result.ExitCode}: {result.StandardError}");
        var listing = Assert.Single(File.ReadAllLines(calls), c => c.StartsWith("list ", StringComparison.Ordinal));
        Assert.Equal("list Payments.slnx package --vulnerable --include-transitive --format json", listing);
        // The report the gate read is the artifact handed on.
        var artifact = Assert.Single(((YamlSequenceNode)((YamlMappingNode)scan["artifacts"])["files"])).ToString();
        Assert.Equal(File.ReadAllText(report), File.ReadAllText(Path.Combine(directory.Path, artifact)));
    }

    [Fact]
    public void The_test_buildspec_caches_NuGet_and_npm_where_its_variables_point_and_hands_on_the_cloud_assembly()
    {
        var test = Buildspec("test.yml");
        var variables = (YamlMappingNode)((YamlMappingNode)test["env"])["variables"];
        var cached = ((YamlSequenceNode)((YamlMappingNode)test["cache"])["paths"]).Select(p => p.ToString()).ToList();
        Assert.Contains($"{variables["NUGET_PACKAGES"]}/**/*", cached);
        Assert.Contains($"{variables["npm_config_cache"]}/**/*", cached);
        var artifacts = (YamlMappingNode)test["artifacts"];
        Assert.Equal("cdk.out", artifacts["base-directory"].ToString());
        Assert.Equal(["**/*"], ((YamlSequenceNode)artifacts["files"]).Select(f => f.ToString()));
    }

    /// <summary>Runs a buildspec's build commands in one bash (as CodeBuild's <c>shell: bash</c> does), stopping at the first failure.</summary>
    private static Task<CommandRunner.Result> RunPhaseAsync(YamlMappingNode buildspec, string workingDirectory, IDictionary<string, string> overrides)
    {
        var environment = ((YamlMappingNode)((YamlMappingNode)buildspec["env"])["variables"]).Children
            .ToDictionary(v => v.Key.ToString(), v => v.Value.ToString(), StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            environment[name] = value;
        }

        var script = "set -eo pipefail\ncd " + QuoteForBash(workingDirectory) + "\n" + string.Join('\n', BuildCommands(buildspec));
        return NodeScript.RunProcessAsync("bash", ["-c", script], environment: environment);
    }

    private static string QuoteForBash(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text);
        // The buildspecs run on Linux CodeBuild and Linux CI only.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
