namespace Payments.Preflight.Tests.Permissions;

/// <summary>
/// The permission-flow corpus (Fixtures/permissions): every defective case draws exactly the flow finding its header
/// names and no other PF210–PF220 error; every correct case draws no error from any rule, with the whole engine run.
/// </summary>
public sealed class FlowFixtureTests
{
    private static readonly PreflightOptions Options = new() { Today = TestTemplates.Today };

    public static TheoryData<string> Defective() => [.. FlowCase.All("bad").Select(c => c.Name)];

    public static TheoryData<string> Correct() => [.. FlowCase.All("good").Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Defective))]
    public void Defective_case_draws_exactly_its_expected_flow_finding(string name)
    {
        var flowCase = FlowCase.Named(name);
        var expect = flowCase.Expect ?? throw new InvalidOperationException($"{name} states no expected finding");

        var report = PreflightEngine.Check([flowCase.Path], Options);

        var flowErrors = report.Findings.Where(f => f.Severity == Severity.Error && FlowCase.FlowRules.Contains(f.RuleId)).ToList();
        Assert.True(flowErrors.Count == 1, $"{name}: expected one flow error ({expect.Rule} on {expect.Resource}), got:\n{Describe(flowErrors)}");
        var finding = flowErrors[0];
        Assert.Equal((expect.Rule, expect.Resource, expect.File), (finding.RuleId, finding.Resource, Path.GetFileName(finding.Template)));
        // the header's path is relative to the resource; a finding on the resource as a whole has none
        Assert.StartsWith($"Resources/{expect.Resource}" + (string.IsNullOrEmpty(expect.Path) ? string.Empty : "/" + expect.Path), finding.Path, StringComparison.Ordinal);

        Assert.Contains(expect.Message!, finding.Message, StringComparison.Ordinal);
        Assert.Contains(report.AccessChecks, c => c.RuleId == expect.Rule && c.Answer == "Refused");
    }

    [Theory]
    [MemberData(nameof(Correct))]
    public void Correct_case_draws_no_error_from_any_rule(string name)
    {
        var flowCase = FlowCase.Named(name);

        var report = PreflightEngine.Check([flowCase.Path], Options);

        var errors = report.Findings.Where(f => f.Severity == Severity.Error).ToList();
        Assert.True(errors.Count == 0, $"{name}:\n{Describe(errors)}");
        Assert.DoesNotContain(report.AccessChecks, c => c.Answer == "Refused");
        // the flows the case is about were evaluated and answered, not skipped as unknown
        foreach (var rule in flowCase.Needed.SelectMany(n => n.Findings).Select(f => f.Rule).Distinct())
        {
            Assert.Contains(report.AccessChecks, c => c.RuleId == rule && c.Answer == "Allowed");
        }
    }

    [Fact]
    public void Corpus_covers_every_flow_with_several_defects_and_a_correct_case()
    {
        var defective = FlowCase.All("bad");
        var correct = FlowCase.All("good");

        Assert.True(defective.Count >= 24, $"{defective.Count} defective cases");
        Assert.True(correct.Count >= 12, $"{correct.Count} correct cases");
        Assert.All(defective, c => Assert.NotNull(c.Expect));
        Assert.All(correct, c => Assert.NotEmpty(c.Needed));
        foreach (var rule in FlowCase.FlowRules)
        {
            Assert.True(defective.Count(c => c.Expect?.Rule == rule) >= 2, $"{rule} has fewer than two defective cases");
            Assert.Contains(correct, c => c.Needed.Any(n => n.Findings.Any(f => f.Rule == rule)));
        }

        // both formats, and runs of several templates joined by exports and physical names
        Assert.True(defective.Count(c => c.Files.Any(f => f.EndsWith(".json", StringComparison.Ordinal))) >= 4);
        Assert.True(correct.Count(c => c.Files.Any(f => f.EndsWith(".json", StringComparison.Ordinal))) >= 3);
        Assert.True(defective.Count(c => c.IsDirectory) >= 2);
        Assert.True(correct.Count(c => c.IsDirectory) >= 2);
    }

    internal static string Describe(IEnumerable<Finding> findings) =>
        string.Join('\n', findings.Select(f => $"  {f.RuleId} {Path.GetFileName(f.Template)} [{f.Resource}] {f.Path}: {f.Message}"));
}
