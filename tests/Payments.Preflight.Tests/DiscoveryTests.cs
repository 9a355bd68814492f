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

            var (namedExit, named, _) = await CheckUnprivilegedAsync(locked);
            Assert.Equal(2, namedExit);
            var namedFinding = Assert.Single(Findings(named));
            Assert.Equal(("PF001", locked), (namedFinding.RuleId, namedFinding.Template));
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

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
