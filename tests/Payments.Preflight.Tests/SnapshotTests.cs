using System.Runtime.CompilerServices;
using Payments.Preflight.Output;

namespace Payments.Preflight.Tests;

/// <summary>
/// Real CDK cloud assemblies of the platform (Delivery pipeline stack plus the dev/staging/prod stages; manifests
/// trimmed to the fields preflight reads), each with a golden result (PREFLIGHT_UPDATE_GOLDEN=1):
/// <c>platform-cdk-out</c>, today's synth, which must be clean; and <c>platform-cdk-out-2026-11-23</c>, the synth
/// of 2026-11-23 (commit 1871dc3) kept as evidence — the release-path defects it shipped (alarm topics that admit
/// no alarm, a prod approval that cannot use its topic's key, deploy actions that cannot read their deployment
/// configs) are what the permission-flow rules report on it.
/// </summary>
public sealed class SnapshotTests
{
    public static TheoryData<string> Assemblies() => ["platform-cdk-out", "platform-cdk-out-2026-11-23"];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Platform_cloud_assembly_matches_its_golden_result(string name)
    {
        var snapshot = Path.Combine(AppContext.BaseDirectory, "Snapshots", name);
        var report = PreflightEngine.Check([snapshot], new PreflightOptions { Today = TestTemplates.Today });

        Assert.Equal(4, report.Templates);
        var relative = new PreflightReport([.. report.Findings.Select(f => f with { Template = Path.GetRelativePath(snapshot, f.Template).Replace('\\', '/') })], report.Templates);
        var actual = ReportWriter.Json(relative);
        if (Environment.GetEnvironmentVariable("PREFLIGHT_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceDirectory(), "Snapshots", $"{name}.golden.json"), actual);
        }

        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Snapshots", $"{name}.golden.json")), actual);
    }

    [Fact]
    public void Todays_platform_is_clean_and_every_permission_flow_it_uses_is_decided()
    {
        var report = PreflightEngine.Check([Path.Combine(AppContext.BaseDirectory, "Snapshots", "platform-cdk-out")], new PreflightOptions { Today = TestTemplates.Today });

        Assert.False(report.HasErrors, report.ToString());
        Assert.DoesNotContain(report.AccessChecks, c => c.Answer == "Refused");
        // the flows the platform has: each evaluated and answered "allowed" at least once
        foreach (var rule in new[] { "PF210", "PF211", "PF212", "PF213", "PF215", "PF217", "PF218", "PF219", "PF220" })
        {
            Assert.Contains(report.AccessChecks, c => c.RuleId == rule && c.Answer == "Allowed");
        }
    }

    [Fact]
    public void The_release_path_defects_of_2026_11_23_are_reported()
    {
        var report = PreflightEngine.Check([Path.Combine(AppContext.BaseDirectory, "Snapshots", "platform-cdk-out-2026-11-23")], new PreflightOptions { Today = TestTemplates.Today });

        Assert.Contains(report.Findings, f => f.RuleId == "PF211" && f.Message.Contains("cloudwatch.amazonaws.com may not sns:Publish", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.RuleId == "PF218" && f.Message.Contains("codedeploy:GetDeploymentConfig", StringComparison.Ordinal)
            && f.Message.Contains("CodeDeployDefault.ECSCanary10Percent5Minutes", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.RuleId == "PF218" && f.Message.Contains("kms:GenerateDataKey", StringComparison.Ordinal)
            && f.Message.Contains("Approve", StringComparison.Ordinal));
    }

    [Fact]
    public void Platform_suppressions_all_carry_reasons_and_are_used()
    {
        var snapshot = Path.Combine(AppContext.BaseDirectory, "Snapshots", "platform-cdk-out");
        var templates = Directory.EnumerateFiles(snapshot, "*.template.json", SearchOption.AllDirectories).ToList();
        Assert.Contains(templates, t => File.ReadAllText(t).Contains("\"preflight\"", StringComparison.Ordinal));
        var report = PreflightEngine.Check([snapshot], new PreflightOptions { Today = TestTemplates.Today });
        Assert.DoesNotContain(report.Findings, f => f.RuleId == "PF004");
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
