using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// cfn-lint (warnings gated, as in the test command) over the synthesized app: all four templates
/// (dev, staging, prod platform stacks and the delivery stack) must be clean; a finding names the resource.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed partial class LintTests
{
    [GeneratedRegex(@"^(?<file>.+?\.template\.json):(?<line>\d+):\d+:\d+:\d+:(?<rule>[EWI]\d+):(?<message>.*)$")]
    private static partial Regex Finding();

    [GeneratedRegex(@"^  ""(?<id>[A-Za-z0-9]+)"": \{$")]
    private static partial Regex ResourceStart();

    // The app as `cdk synth` writes it: the CLI turns on analytics reporting, which adds the
    // AWS::CDK::Metadata resource cfn-lint uses to recognise CDK templates (and then skips W3010 on the
    // explicit AZ list, which is configuration here). The shared fixture synthesizes without it.
    private static readonly Lazy<string> CliLikeAssembly = new(() =>
    {
        var directory = Directory.CreateTempSubdirectory("lint-app-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        var context = new Dictionary<string, object> { ["imageAssetHash"] = "test", ["repositoryRoot"] = Repository.Root };
        var cdkApp = new Amazon.CDK.App(new Amazon.CDK.AppProps { Context = context, Outdir = directory, AnalyticsReporting = true });
        var settings = Payments.Platform.Environments.PlatformSettings.FromContext(
            key => cdkApp.Node.TryGetContext(key)?.ToString(),
            name => name switch { "CDK_DEFAULT_ACCOUNT" => DeliveredApp.Account, "CDK_DEFAULT_REGION" => DeliveredApp.Region, _ => null });
        PaymentsApp.Compose(cdkApp, settings);
        cdkApp.Synth();
        return directory;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    [Fact]
    public async Task Every_template_of_the_app_passes_cfn_lint_with_warnings_gated()
    {
        var templates = Directory.GetFiles(CliLikeAssembly.Value, "*.template.json", SearchOption.AllDirectories).Order().ToList();
        Assert.Contains(templates, t => Path.GetFileName(t) == "Delivery.template.json");
        Assert.Equal(4, templates.Count);
        var (exitCode, output) = await CfnLint(templates);
        var findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Finding().Match(line))
            .Where(match => match.Success)
            .Select(match => (File: match.Groups["file"].Value, Line: int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), Text: match.Value))
            .ToList();
        Assert.True(exitCode == 0 || findings.Count > 0, $"cfn-lint failed without findings (exit {exitCode}):\n{output}");
        // Every template of the app, not only the delivery parts: the issue gates the whole synth on
        // 0 errors and 0 warnings, and `dotnet test` should fail as early as scripts/test.sh does.
        var all = findings.Select(f => $"{f.Text}  [{ResourceAt(f.File, f.Line)}]").ToList();
        Assert.True(all.Count == 0, string.Join('\n', all));
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
        var info = new ProcessStartInfo("cfn-lint") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
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
