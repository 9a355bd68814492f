using System.Text.RegularExpressions;
using Payments.Preflight.Rules;

namespace Payments.Preflight.Tests;

public sealed partial class MetaTests
{
    [Fact]
    public void Rule_ids_are_unique_and_well_formed()
    {
        var ids = RuleCatalog.AllDescriptors.Select(d => d.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches(RuleIdPattern(), id));
    }

    [Fact]
    public void Every_rule_id_constant_has_a_descriptor()
    {
        var constants = typeof(RuleIds).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();
        var described = RuleCatalog.AllDescriptors.Select(d => d.Id).ToHashSet();
        Assert.Empty(constants.Except(described));
        Assert.Empty(described.Except(constants));
    }

    [Fact]
    public void Every_rule_is_documented_and_the_page_is_current()
    {
        var docs = Path.Combine(Repository.Root, "docs", "rules");
        foreach (var descriptor in RuleCatalog.AllDescriptors)
        {
            var page = Path.Combine(docs, $"{descriptor.Id}.md");
            Assert.True(File.Exists(page), $"{descriptor.Id} has no docs/rules page; run `preflight docs docs/rules`");
            Assert.Equal(RuleDocs.Page(descriptor), File.ReadAllText(page));
        }
    }

    [Fact]
    public void The_rule_table_in_docs_preflight_md_matches_the_rules()
    {
        var table = File.ReadAllLines(Path.Combine(Repository.Root, "docs", "preflight.md"))
            .Where(line => line.StartsWith("| [PF", StringComparison.Ordinal))
            .ToList();
        var expected = RuleCatalog.AllDescriptors
            .Select(d => $"| [{d.Id}](rules/{d.Id}.md) | {d.Severity.ToString().ToLowerInvariant()} | {d.Title} | {string.Join(", ", d.Seeds)} |")
            .ToList();
        Assert.Empty(expected.Except(table));
        Assert.Empty(table.Except(expected));
    }

    [Fact]
    public void Every_rule_has_title_description_fix_seed_and_examples()
    {
        foreach (var descriptor in RuleCatalog.Rules.Select(r => r.Descriptor))
        {
            Assert.False(string.IsNullOrWhiteSpace(descriptor.Title), descriptor.Id);
            Assert.True(descriptor.Description.Length > 60, $"{descriptor.Id}: say what fails at deploy");
            Assert.False(string.IsNullOrWhiteSpace(descriptor.Fix), descriptor.Id);
            Assert.Matches(SeedPattern(), descriptor.Seed);
            Assert.NotEmpty(descriptor.FailingExample);
            Assert.NotEmpty(descriptor.PassingExample);
        }
    }

    /// <summary>The 22 rule classes of issue 4, the rules that implement each, and the seeds the issue traces it to.</summary>
    public static TheoryData<int, string, string> IssueClasses() => new()
    {
        { 1, "PF101", "002" },
        { 2, "PF102 PF103", "002" },
        { 3, "PF104 PF105", "002" },
        { 4, "PF106 PF107", "000 004" },
        { 5, "PF108", "000" },
        { 6, "PF109", "000" },
        { 7, "PF201 PF204", "001" },
        { 8, "PF202 PF203", "004" },
        { 9, "PF301 PF302", "003" },
        { 10, "PF303 PF304", "003" },
        { 11, "PF401", "001 004" },
        { 12, "PF402", "001" },
        { 13, "PF501 PF502 PF503 PF504", "004" },
        { 14, "PF601 PF602", "000" },
        { 15, "PF603 PF604", "001 003 004" },
        { 16, "PF605", "004" },
        { 17, "PF701", "000 003" },
        { 18, "PF801 PF802", "000 001" },
        { 19, "PF803", "003" },
        { 20, "PF804 PF805", "003" },
        { 21, "PF806 PF807", "003" },
        { 22, "PF901 PF902", "004" },
    };

    [Theory]
    [MemberData(nameof(IssueClasses))]
    public void Every_issue_class_has_rules_traced_to_its_seeds(int issueClass, string ruleIds, string seeds)
    {
        var descriptors = ruleIds.Split(' ').Select(id => Assert.Single(RuleCatalog.Rules, r => r.Descriptor.Id == id).Descriptor).ToList();
        var traced = descriptors.SelectMany(d => d.Seeds).ToHashSet();
        Assert.All(seeds.Split(' '), seed => Assert.True(traced.Contains(seed), $"class {issueClass} ({ruleIds}) is not traced to seed {seed}"));
        Assert.All(traced, seed => Assert.True(seeds.Contains(seed, StringComparison.Ordinal), $"class {issueClass} ({ruleIds}) names seed {seed}, which the issue does not"));
    }

    [Fact]
    public void Every_seed_is_traced_by_some_rule()
    {
        // The five failure reports the rules are traced to (shared/seeds/000..004, outside the repository;
        // a clean clone does not have them, so their numbers are listed here and checked against the
        // folder whenever it sits next to the checkout).
        var seeds = new List<string> { "000", "001", "002", "003", "004" };
        var shared = Path.Combine(Repository.Root, "..", "shared", "seeds");
        if (Directory.Exists(shared))
        {
            Assert.Equal(seeds, Directory.EnumerateFiles(shared, "*.txt").Select(f => Path.GetFileName(f)[..3]).Order().ToList());
        }
        var traced = RuleCatalog.Rules.SelectMany(r => r.Descriptor.Seeds).ToHashSet();
        Assert.All(seeds, seed => Assert.Contains(seed, traced));
    }

    [Fact]
    public void One_rule_per_file_named_after_the_class()
    {
        var rulesDirectory = Path.Combine(Repository.Root, "src", "Payments.Preflight", "Rules");
        foreach (var rule in RuleCatalog.Rules)
        {
            var category = rule.GetType().Namespace!.Split('.').Last();
            Assert.True(File.Exists(Path.Combine(rulesDirectory, category, rule.GetType().Name + ".cs")), $"{rule.GetType().Name} should live in Rules/{category}/{rule.GetType().Name}.cs");
        }
    }

    [Fact]
    public void Data_files_are_dated()
    {
        foreach (var file in new[] { "lambda-runtimes.json", "lambda-runtimes-aws.json", "managed-policies.json", "service-principals.json", "rds-engine-versions.json", "fargate-cpu-memory.json", "log-retention.json", "prices.json", "db-parameters.json", "stateful-resources.json", "iam-service-prefixes.json", "retired-managed-policies.json" })
        {
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", Payments.Preflight.Data.PreflightData.Retrieved(file));
        }
    }


    [GeneratedRegex(@"^PF\d{3}$")]
    private static partial Regex RuleIdPattern();

    [GeneratedRegex(@"^\d{3}(, \d{3})*$")]
    private static partial Regex SeedPattern();
}
