using System.Runtime.Versioning;
using System.Text.Json;
using Payments.Preflight.Loading;

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

    /// <summary>A stack artifact whose template <see cref="WriteAssembly"/> writes beside every manifest.</summary>
    private const string GoodStack = "\"Good\": {\"type\": \"aws:cloudformation:stack\", \"properties\": {\"templateFile\": \"Good.template.json\"}}";

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
        // Two links back to the folder above make every folder reachable without end. Thirty
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
        // Twelve `**/` over a chain of folders sixty deep, where a regex for the pattern backtracks.
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
        // `/*.json` needs the root folder only; below it lies /proc/1/map_files, which even root may not list.
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
        Assert.Equal(matches, Glob.Matches(name, segment));

    [Theory]
    [InlineData("""{"type": 5, "properties": {}}""", "artifacts/Bad/type", "the artifact's type must be a string, not a number")]
    [InlineData("""{"properties": {}}""", "artifacts/Bad/type", "the artifact's type must be a string, not missing")]
    [InlineData("\"aws:cloudformation:stack\"", "artifacts/Bad", "the artifact must be an object, not a string")]
    [InlineData("""{"type": "aws:cloudformation:stack"}""", "artifacts/Bad/properties", "the artifact needs properties with templateFile")]
    [InlineData("""{"type": "aws:cloudformation:stack", "properties": {"templateFile": 5}}""", "artifacts/Bad/properties/templateFile", "templateFile must be a string, not a number")]
    [InlineData("""{"type": "aws:cloudformation:stack", "properties": {"templateFile": "a\u0000b.json"}}""", "artifacts/Bad/properties/templateFile", """templateFile 'a\u0000b.json' holds a NUL character""")]
    [InlineData("""{"type": "cdk:cloud-assembly", "properties": {"directoryName": ["stage"]}}""", "artifacts/Bad/properties/directoryName", "directoryName must be a string, not an array")]
    public void A_malformed_artifact_is_a_finding_at_its_path_and_the_other_artifacts_are_read(string artifact, string path, string message)
    {
        // `"type": 5`, and a NUL in templateFile, which no path can hold.
        var assembly = WriteAssembly("cdk.out", $$"""{"Bad": {{artifact}}, {{GoodStack}}}""");

        var report = PreflightEngine.Check([assembly]);

        Assert.Equal(1, report.Templates);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(("PF001", Severity.Error, Path.Combine(assembly, "manifest.json"), path), (finding.RuleId, finding.Severity, finding.Template, finding.Path));
        Assert.StartsWith($"the cloud assembly manifest is malformed at {path}: {message}", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Artifacts_that_are_not_an_object_are_a_finding_when_named_and_no_assembly_when_walked()
    {
        var assembly = WriteAssembly("repo/out", """["S"]""");

        var named = PreflightEngine.Check([assembly]);
        Assert.Contains(named.Findings, f => (f.RuleId, f.Path) == ("PF001", "artifacts") && f.Message.EndsWith("artifacts must be an object, not an array", StringComparison.Ordinal));

        // Found on a walk, such a manifest.json is some other tool's: its folder is walked as any other.
        var walked = PreflightEngine.Check([Path.Combine(scratch.Path, "repo")]);
        Assert.Equal(1, walked.Templates);
        Assert.Empty(walked.Findings);
    }

    [Theory]
    [InlineData(new byte[] { 0x74, 0xFF, 0x2E, 0x6A, 0x73, 0x6F, 0x6E })]
    [InlineData(new byte[] { 0x5C, 0x75, 0x64, 0x38, 0x30, 0x30, 0x2E, 0x6A, 0x73, 0x6F, 0x6E })]
    public void A_manifest_with_text_that_does_not_decode_is_a_finding(byte[] templateFile)
    {
        // Invalid UTF-8 (or an escaped lone surrogate, `\ud800`) in templateFile.
        var assembly = Path.Combine(scratch.Path, "cdk.out");
        Directory.CreateDirectory(assembly);
        File.WriteAllBytes(Path.Combine(assembly, "manifest.json"),
            [.. """{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": """u8, (byte)'"', .. templateFile, .. "\"}}}}"u8]);

        var finding = Assert.Single(PreflightEngine.Check([assembly]).Findings);

        Assert.Equal("PF001", finding.RuleId);
        Assert.Contains("is not valid UTF-8 (or escapes half of a surrogate pair)", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_that_is_not_an_object_is_a_finding()
    {
        Write("cdk.out/manifest.json", "[\"artifacts\"]");

        var finding = Assert.Single(PreflightEngine.Check([Path.Combine(scratch.Path, "cdk.out")]).Findings);

        Assert.Equal(("PF001", "cannot read the cloud assembly manifest: it is an array, not an object"), (finding.RuleId, finding.Message));
    }

    [Fact]
    public void A_malformed_manifest_found_on_a_walk_is_a_warning_and_the_walk_goes_on()
    {
        Write("repo/ok.yaml", Clean);
        WriteAssembly("repo/x", """{"S": {"type": 5, "properties": {}}}""");

        var report = PreflightEngine.Check([Path.Combine(scratch.Path, "repo")]);

        Assert.Equal(1, report.Templates);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(("PF001", Severity.Warning, "artifacts/S/type"), (finding.RuleId, finding.Severity, finding.Path));
    }

    [Fact]
    public void A_nested_assembly_that_leads_back_is_one_finding_per_artifact_not_exponential_work()
    {
        // Two stages with directoryName "." would each read the assembly, and so on, twice over.
        var assembly = WriteAssembly("cdk.out", $$$"""
            {"N0": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}},
             "N1": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}, {{{GoodStack}}}}
            """);

        var report = PreflightEngine.Check([assembly, Path.Combine(assembly, "manifest.json")]);

        Assert.Equal(1, report.Templates);
        Assert.Equal(["artifacts/N0/properties/directoryName", "artifacts/N1/properties/directoryName"], report.Findings.Select(f => f.Path));
        Assert.All(report.Findings, f => Assert.Contains("'.' is this assembly or one that contains it (a cycle), so it is not read again", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_nested_assembly_that_is_a_link_back_is_found_by_its_real_path()
    {
        Directory.CreateDirectory(Path.Combine(scratch.Path, "cdk.out", "stage"));
        Directory.CreateSymbolicLink(Path.Combine(scratch.Path, "cdk.out", "stage", "up"), "..");
        var assembly = WriteAssembly("cdk.out", $$$"""{"Stage": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "stage"}}, {{{GoodStack}}}}""");
        WriteAssembly("cdk.out/stage", """{"Up": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "up"}}}""");

        var finding = Assert.Single(PreflightEngine.Check([assembly]).Findings);

        Assert.Equal(("PF001", Path.Combine(assembly, "stage", "manifest.json"), "artifacts/Up/properties/directoryName"), (finding.RuleId, finding.Template, finding.Path));
    }

    [Fact]
    public void An_assembly_nested_in_two_stages_or_named_twice_is_read_once()
    {
        var assembly = WriteAssembly("cdk.out", """
            {"A": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "a"}},
             "B": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "b"}}}
            """);
        WriteAssembly("cdk.out/a", """{"Shared": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "../shared"}}}""");
        WriteAssembly("cdk.out/b", """{"Shared": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "../shared"}}}""");
        WriteAssembly("cdk.out/shared", $$"""{"Odd": {"type": true}, {{GoodStack}}}""");

        var report = PreflightEngine.Check([assembly, Path.Combine(assembly, "manifest.json")]);

        Assert.Equal(1, report.Templates);
        var finding = Assert.Single(report.Findings);
        Assert.Equal("artifacts/Odd/type", finding.Path);
    }

    [Fact]
    public async Task A_manifest_that_cannot_be_read_is_a_finding_named_or_walked()
    {
        // Telling whether a manifest.json is a cloud assembly's must survive not being able to
        // read it.
        var logs = Write("repo/logs.yaml", "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties: { RetentionInDays: 45 }\n");
        var manifest = Write("repo/sub/manifest.json", """{"artifacts": {}}""");
        File.SetUnixFileMode(manifest, UnixFileMode.None);

        var (namedExit, named, _) = await CheckUnprivilegedAsync(Path.GetDirectoryName(manifest)!);
        Assert.Equal(2, namedExit);
        var namedFinding = Assert.Single(Findings(named));
        Assert.Equal(("PF001", manifest), (namedFinding.RuleId, namedFinding.Template));
        Assert.StartsWith("cannot read the cloud assembly manifest: ", namedFinding.Message, StringComparison.Ordinal);

        // On the walk it is not known to be an assembly's, so it is an unreadable JSON file; the template beside is checked.
        var (_, walked, _) = await CheckUnprivilegedAsync(Path.Combine(scratch.Path, "repo"));
        Assert.Collection(
            Findings(walked).OrderBy(f => f.RuleId, StringComparer.Ordinal),
            unreadable => Assert.Equal(("PF001", manifest, true), (unreadable.RuleId, unreadable.Template, unreadable.Message.StartsWith("cannot read the file: ", StringComparison.Ordinal))),
            retention => Assert.Equal(("PF402", logs), (retention.RuleId, retention.Template)));
    }

    [Fact]
    public void A_file_too_large_to_check_is_reported_on_a_walk_only_if_it_begins_as_a_template_whatever_its_size()
    {
        // A data file of gigabytes beside the templates is skipped as a small one is, and a file
        // over the limit that begins as a template is reported.
        Write("repo/ok.yaml", Clean);
        Sparse("repo/data.json", 3L << 30);
        var template = Sparse("repo/big.template.json", LoadLimits.MaxFileBytes + 1, "{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {"u8);

        var report = PreflightEngine.Check([Path.Combine(scratch.Path, "repo")]);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(("PF002", template), (finding.RuleId, finding.Template));
    }

    [Fact]
    public void Telling_whether_a_large_file_is_a_template_reads_no_more_than_preflight_would_parse()
    {
        var data = Sparse("data.json", 600L << 20);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(TemplateLoader.MentionsCloudFormation(data));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 4 * LoadLimits.MaxFileBytes);
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

    /// <summary>Writes a cloud assembly folder: a manifest whose `artifacts` is <paramref name="artifacts"/> (JSON), and the template <see cref="GoodStack"/> names.</summary>
    private string WriteAssembly(string name, string artifacts)
    {
        Write($"{name}/manifest.json", $"{{\"version\": \"38.0.0\", \"artifacts\": {artifacts}}}");
        Write($"{name}/Good.template.json", "{\"Resources\": {\"T\": {\"Type\": \"AWS::SNS::Topic\"}}}");
        return Path.Combine(scratch.Path, name);
    }

    /// <summary>A file of <paramref name="length"/> bytes that takes no disk space: <paramref name="start"/>, then zeros.</summary>
    private string Sparse(string name, long length, ReadOnlySpan<byte> start = default)
    {
        var path = Path.Combine(scratch.Path, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        stream.Write(start);
        stream.SetLength(length);
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
