using System.Runtime.CompilerServices;
using Payments.Preflight.Output;

namespace Payments.Preflight.Tests;

/// <summary>
/// A real CDK cloud assembly: the platform's synth of 2026-11-23 10:16 UTC (platform commit 1871dc3: Delivery
/// pipeline stack plus dev/staging/prod stages; manifests trimmed to the fields preflight reads). It pins
/// preflight's behaviour on CDK's own shapes — Fn::Join image URIs, asset repositories, Sub-built principals,
/// stage assemblies, suppressions with reasons — with a golden result (PREFLIGHT_UPDATE_GOLDEN=1).
/// </summary>
public sealed class SnapshotTests
{
    private static readonly string Snapshot = Path.Combine(AppContext.BaseDirectory, "Snapshots", "platform-cdk-out");

    [Fact]
    public void Platform_cloud_assembly_matches_its_golden_result()
    {
        var report = PreflightEngine.Check([Snapshot], new PreflightOptions { Today = TestTemplates.Today });

        Assert.Equal(4, report.Templates);
        Assert.False(report.HasErrors, report.ToString());
        var relative = new PreflightReport([.. report.Findings.Select(f => f with { Template = Path.GetRelativePath(Snapshot, f.Template).Replace('\\', '/') })], report.Templates);
        var actual = ReportWriter.Json(relative);
        var sourceGolden = Path.Combine(SourceDirectory(), "Snapshots", "platform-cdk-out.golden.json");
        if (Environment.GetEnvironmentVariable("PREFLIGHT_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(sourceGolden, actual);
        }

        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Snapshots", "platform-cdk-out.golden.json")), actual);
    }

    [Fact]
    public void Platform_suppressions_all_carry_reasons_and_are_used()
    {
        var templates = Directory.EnumerateFiles(Snapshot, "*.template.json", SearchOption.AllDirectories).ToList();
        Assert.Contains(templates, t => File.ReadAllText(t).Contains("\"preflight\"", StringComparison.Ordinal));
        var report = PreflightEngine.Check([Snapshot], new PreflightOptions { Today = TestTemplates.Today });
        Assert.DoesNotContain(report.Findings, f => f.RuleId == "PF004");
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
