using System.Runtime.CompilerServices;
using Payments.Preflight.Output;

namespace Payments.Preflight.Tests;

/// <summary>
/// Fixture templates with golden JSON results. To accept intended changes, run the tests with
/// PREFLIGHT_UPDATE_GOLDEN=1 and review the diff of Fixtures/golden.
/// </summary>
public sealed class FixtureTests
{
    private static readonly string FixtureDirectory = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(FixtureDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(FixtureDirectory, file).Replace('\\', '/');
            // permissions/ holds the permission-flow corpus: its cases span directories and carry their own expectations (FlowFixtureTests).
            if (!relative.StartsWith("golden/", StringComparison.Ordinal) && !relative.StartsWith("permissions/", StringComparison.Ordinal))
            {
                data.Add(relative);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_matches_its_golden_result(string fixture)
    {
        var actual = Run(fixture);
        var goldenName = fixture.Replace('/', '_') + ".golden.json";
        var sourceGolden = Path.Combine(SourceDirectory(), "Fixtures", "golden", goldenName);
        if (Environment.GetEnvironmentVariable("PREFLIGHT_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(sourceGolden, actual);
        }

        var golden = Path.Combine(FixtureDirectory, "golden", goldenName);
        Assert.True(File.Exists(golden), $"no golden result for {fixture}; run with PREFLIGHT_UPDATE_GOLDEN=1");
        Assert.Equal(File.ReadAllText(golden), actual);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Good_fixtures_are_clean_and_bad_ones_are_not(string fixture)
    {
        var report = PreflightEngine.Check([Path.Combine(FixtureDirectory, fixture)], new PreflightOptions { Today = TestTemplates.Today });
        if (fixture.StartsWith("good/", StringComparison.Ordinal))
        {
            Assert.Empty(report.Findings);
        }
        else
        {
            Assert.NotEmpty(report.Findings);
        }
    }

    [Fact]
    public void Seed_fixtures_hit_the_rules_traced_to_their_seed()
    {
        var expected = new Dictionary<string, string[]>
        {
            ["bad/seed-000-dev.yaml"] = ["PF106", "PF108", "PF109", "PF601", "PF602", "PF603", "PF701", "PF801"],
            ["bad/seed-001-pr4918.json"] = ["PF201", "PF401", "PF402", "PF603", "PF604", "PF605", "PF802"],
            ["bad/seed-002.yaml"] = ["PF101", "PF102", "PF103", "PF104", "PF105"],
            ["bad/seed-003-prod.json"] = ["PF302", "PF303", "PF304", "PF803", "PF804", "PF806", "PF807"],
            ["bad/seed-004-dev.yaml"] = ["PF107", "PF202", "PF401", "PF502", "PF503", "PF605", "PF901", "PF902"],
        };
        foreach (var (fixture, rules) in expected)
        {
            var found = PreflightEngine.Check([Path.Combine(FixtureDirectory, fixture)], new PreflightOptions { Today = TestTemplates.Today })
                .Findings.Select(f => f.RuleId).ToHashSet();
            var missing = rules.Where(r => !found.Contains(r)).ToList();
            Assert.True(missing.Count == 0, $"{fixture} misses {string.Join(", ", missing)} (found {string.Join(", ", found.Order())})");
        }
    }

    private static string Run(string fixture)
    {
        var report = PreflightEngine.Check([Path.Combine(FixtureDirectory, fixture)], new PreflightOptions { Today = TestTemplates.Today });
        var relative = new PreflightReport([.. report.Findings.Select(f => f with { Template = fixture })], report.Templates);
        return ReportWriter.Json(relative);
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
