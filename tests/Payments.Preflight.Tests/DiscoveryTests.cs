using System.Runtime.Versioning;
using System.Text.Json;

namespace Payments.Preflight.Tests;

/// <summary>
/// Turning the paths a user gives (files, directories, globs, cloud assemblies) into templates: whatever the file system
/// holds there, the answer is a finding or a usage error, never a crash, a hang or memory without bound.
/// FIFOs, devices and file modes are Unix's: these tests run on Linux and macOS.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class DiscoveryTests : IDisposable
{
    private const string Clean = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n";

    private readonly ScratchDirectory scratch = new("preflight-discovery-");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task A_fifo_named_on_the_command_line_is_a_finding_not_a_wait()
    {
        var fifo = await MakeFifoAsync("pipe.yaml");

        var (exit, report, _) = await CheckAsync(fifo);

        Assert.Equal(2, exit);
        var finding = Assert.Single(Findings(report));
        Assert.Equal(("PF001", fifo), (finding.RuleId, finding.Template));
        Assert.Contains("is a FIFO (named pipe), not a regular file", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_named_as_a_template_is_a_finding_that_says_so()
    {
        var finding = Assert.Single(PreflightEngine.Check(["/dev/null"]).Findings);
        Assert.Equal("PF001", finding.RuleId);
        Assert.Contains("is a character device, not a regular file", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_walk_and_a_glob_skip_fifos_and_devices_and_check_the_templates_beside_them()
    {
        Write("repo/ok.yaml", Clean);
        await MakeFifoAsync("repo/pipe.yaml");
        File.CreateSymbolicLink(Path.Combine(scratch.Path, "repo", "zeros.json"), "/dev/zero");

        foreach (var input in new[] { Path.Combine(scratch.Path, "repo"), Path.Combine(scratch.Path, "repo", "*") })
        {
            var (exit, report, error) = await CheckAsync(input);

            Assert.True(exit == 0, $"{input}: exit {exit}\n{error}");
            Assert.Equal(1, report.RootElement.GetProperty("templates").GetInt32());
            Assert.Empty(Findings(report));
        }
    }

    [Fact]
    public async Task A_cloud_assembly_manifest_that_is_a_fifo_is_a_finding_when_named_and_skipped_when_walked()
    {
        Write("repo/ok.yaml", Clean);
        var manifest = await MakeFifoAsync("repo/cdk.out/manifest.json");

        var (namedExit, named, _) = await CheckAsync(Path.Combine(scratch.Path, "repo", "cdk.out"));
        Assert.Equal(2, namedExit);
        var finding = Assert.Single(Findings(named));
        Assert.Equal(("PF001", manifest), (finding.RuleId, finding.Template));
        Assert.Contains("cannot read the cloud assembly manifest: the file is a FIFO (named pipe)", finding.Message, StringComparison.Ordinal);

        var (walkedExit, walked, _) = await CheckAsync(Path.Combine(scratch.Path, "repo"));
        Assert.Equal(0, walkedExit);
        Assert.Equal(1, walked.RootElement.GetProperty("templates").GetInt32());
    }

    [Fact]
    public async Task A_directory_that_cannot_be_listed_is_a_finding_and_the_rest_of_the_walk_is_checked()
    {
        Write("repo/ok.yaml", Clean);
        var locked = Path.Combine(scratch.Path, "repo", "locked");
        Write("repo/locked/hidden.yaml", Clean);
        File.SetUnixFileMode(locked, UnixFileMode.None);
        try
        {
            var (walkedExit, walked, _) = await CheckUnprivilegedAsync(Path.Combine(scratch.Path, "repo"));
            Assert.Equal(2, walkedExit);
            Assert.Equal(1, walked.RootElement.GetProperty("templates").GetInt32());
            var finding = Assert.Single(Findings(walked));
            Assert.Equal(("PF001", "error", locked), (finding.RuleId, finding.Severity, finding.Template));
            Assert.StartsWith("cannot read the directory: ", finding.Message, StringComparison.Ordinal);

            // Named, or reached by a glob (`**` lists it for folders and for files): one finding on the folder each time.
            foreach (var input in new[] { locked, Path.Combine(locked, "*.yaml"), Path.Combine(scratch.Path, "repo", "**", "*.yaml") })
            {
                var (exit, report, _) = await CheckUnprivilegedAsync(input);
                Assert.Equal(2, exit);
                var unreadable = Assert.Single(Findings(report));
                Assert.Equal(("PF001", locked), (unreadable.RuleId, unreadable.Template));
            }
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task A_glob_reads_only_the_folders_its_pattern_reaches_and_never_loops_through_links()
    {
        // globloop from the audit: two links back to the folder above make every folder reachable without end. Thirty
        // `*/` reach both templates through the links (`a/up/…/a/deep`), each once.
        Write("tree/t.yaml", Clean);
        Write("tree/a/deep/x.yaml", Clean);
        Directory.CreateDirectory(Path.Combine(scratch.Path, "tree", "b"));
        Directory.CreateSymbolicLink(Path.Combine(scratch.Path, "tree", "a", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(scratch.Path, "tree", "b", "up"), "..");
        var tree = Path.Combine(scratch.Path, "tree");

        foreach (var (pattern, templates) in new[] { ("*.yaml", 1), ("**/*.yaml", 2), ("**", 2), (string.Concat(Enumerable.Repeat("*/", 30)) + "*.yaml", 2) })
        {
            var (exit, report, error) = await CheckAsync(Path.Combine(tree, pattern));

            Assert.True(exit == 0, $"{pattern}: exit {exit}\n{error}");
            var found = report.RootElement.GetProperty("templates").GetInt32();
            Assert.True(found == templates, $"{pattern}: {found} template(s), expected {templates}");
        }
    }

    [Fact]
    public void A_glob_with_many_double_stars_matches_like_one()
    {
        // globre from the audit: twelve `**/` over a deep tree made the pattern's regex backtrack past its timeout.
        Write(string.Concat(Enumerable.Repeat("d/", 60)) + "x.txt", "not a template");
        Write("d/d/t.yaml", Clean);
        var pattern = Path.Combine(scratch.Path, string.Concat(Enumerable.Repeat("**/", 12)) + "*.yaml");

        var report = PreflightEngine.Check([pattern]);

        Assert.Equal(1, report.Templates);
        Assert.Empty(report.Findings);
    }

    [Fact]
    public void A_glob_at_the_file_system_root_lists_only_the_root()
    {
        // `/*.json` walked all of / and ended on /proc/1/map_files, which even root may not list.
        var report = PreflightEngine.Check(["/*.json"]);

        Assert.DoesNotContain(report.Findings, f => f.Template.StartsWith("/proc", StringComparison.Ordinal));
        Assert.All(report.Findings, f => Assert.Equal("PF005", f.RuleId));
    }

    [Theory]
    [InlineData("*.yaml", "a.yaml", true)]
    [InlineData("*.yaml", "a.yml", false)]
    [InlineData("a?c.json", "abc.json", true)]
    [InlineData("a?c.json", "ac.json", false)]
    [InlineData("*-dev-*.template", "payments-dev-data.template", true)]
    [InlineData("*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("**.json", "x.json", true)]
    public void A_pattern_segment_matches_within_one_file_name(string segment, string name, bool matches) =>
        Assert.Equal(matches, Payments.Preflight.Loading.Glob.Matches(name, segment));

    /// <summary>
    /// Runs the built CLI in its own process with `--format json`: an input that made it wait forever fails the test at
    /// the deadline (the process is killed) instead of stopping the whole test run.
    /// </summary>
    private static async Task<(int Exit, JsonDocument Report, string Error)> CheckAsync(params string[] paths)
    {
        var result = await CommandRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Payments.Preflight.dll"), "check", .. paths, "--format", "json"], TimeSpan.FromSeconds(60));
        Assert.True(result.StandardOutput.Length > 0, $"no report: exit {result.ExitCode}\n{result.StandardError}");
        return (result.ExitCode, JsonDocument.Parse(result.StandardOutput), result.StandardError);
    }

    /// <summary>
    /// As <see cref="CheckAsync"/>, as a user whom file permissions bind: root reads every file, so as root (this machine,
    /// CodeBuild) the CLI runs as nobody through setpriv; otherwise as the current user.
    /// </summary>
    private static async Task<(int Exit, JsonDocument Report, string Error)> CheckUnprivilegedAsync(params string[] paths)
    {
        string[] command = ["dotnet", Path.Combine(AppContext.BaseDirectory, "Payments.Preflight.dll"), "check", .. paths, "--format", "json"];
        var result = Environment.UserName == "root"
            ? await CommandRunner.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/nonexistent", "DOTNET_NOLOGO=1", .. command], TimeSpan.FromSeconds(60))
            : await CommandRunner.RunAsync(command[0], command[1..], TimeSpan.FromSeconds(60));
        Assert.True(result.StandardOutput.Length > 0, $"no report: exit {result.ExitCode}\n{result.StandardError}");
        return (result.ExitCode, JsonDocument.Parse(result.StandardOutput), result.StandardError);
    }

    private static List<Reported> Findings(JsonDocument report) =>
    [
        .. report.RootElement.GetProperty("findings").EnumerateArray().Select(f => new Reported(
            f.GetProperty("ruleId").GetString()!, f.GetProperty("severity").GetString()!, f.GetProperty("template").GetString()!,
            f.GetProperty("path").GetString(), f.GetProperty("message").GetString()!)),
    ];

    private async Task<string> MakeFifoAsync(string name)
    {
        var path = Path.Combine(scratch.Path, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await CommandRunner.RunCheckedAsync("mkfifo", [path], TimeSpan.FromSeconds(10));
        return path;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(scratch.Path, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A finding as the JSON report prints it.</summary>
    private sealed record Reported(string RuleId, string Severity, string Template, string? Path, string Message);
}
