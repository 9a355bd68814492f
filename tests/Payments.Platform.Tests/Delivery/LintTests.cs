using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// cfn-lint (warnings gated, as in the test command) over the synthesized app: the delivery stack must be
/// clean, and so must every delivery-owned resource (<c>BlueGreen*</c>) inside the platform stacks.
/// The platform's own resources are the platform tests' business.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed partial class LintTests(DeliveredApp app) : IClassFixture<DeliveredApp>
{
    [GeneratedRegex(@"^(?<file>.+?\.template\.json):(?<line>\d+):\d+:\d+:\d+:(?<rule>[EWI]\d+):(?<message>.*)$")]
    private static partial Regex Finding();

    [GeneratedRegex(@"^  ""(?<id>[A-Za-z0-9]+)"": \{$")]
    private static partial Regex ResourceStart();

    [Fact]
    public async Task Delivery_templates_and_resources_pass_cfn_lint_with_warnings_gated()
    {
        var templates = Directory.GetFiles(app.AssemblyDirectory, "*.template.json", SearchOption.AllDirectories).Order().ToList();
        Assert.Contains(templates, t => Path.GetFileName(t) == "Delivery.template.json");
        Assert.Equal(4, templates.Count);
        var (exitCode, output) = await CfnLint(templates);
        var findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Finding().Match(line))
            .Where(match => match.Success)
            .Select(match => (File: match.Groups["file"].Value, Line: int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), Text: match.Value))
            .ToList();
        Assert.True(exitCode == 0 || findings.Count > 0, $"cfn-lint failed without findings (exit {exitCode}):\n{output}");
        var ours = findings
            .Where(f => Path.GetFileName(f.File) == "Delivery.template.json" || ResourceAt(f.File, f.Line).StartsWith("BlueGreen", StringComparison.Ordinal))
            .Select(f => f.Text)
            .ToList();
        Assert.True(ours.Count == 0, string.Join('\n', ours));
    }

    /// <summary>The logical id of the resource whose block holds the line (CDK indents templates one space per level).</summary>
    private static string ResourceAt(string file, int line)
    {
        var lines = File.ReadAllLines(file);
        var inResources = false;
        var current = "";
        for (var i = 0; i < Math.Min(line, lines.Length); i++)
        {
            if (lines[i].StartsWith(" \"", StringComparison.Ordinal))
            {
                inResources = lines[i] == " \"Resources\": {";
                continue;
            }
            if (inResources && ResourceStart().Match(lines[i]) is { Success: true } start)
            {
                current = start.Groups["id"].Value;
            }
        }
        return current;
    }

    private static async Task<(int ExitCode, string Output)> CfnLint(IEnumerable<string> templates)
    {
        var info = new ProcessStartInfo("cfn-lint") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = NodeScript.RepositoryRoot() };
        foreach (var argument in new[] { "--format", "parseable", "--non-zero-exit-code", "warning", "--" }.Concat(templates))
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cfn-lint did not start (is it installed?)");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
