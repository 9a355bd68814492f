using Payments.Preflight.Rules;

namespace Payments.Preflight.Tests;

/// <summary>Every rule's documented failing example is reported and its passing example is not.</summary>
public sealed class RuleExampleTests
{
    public static TheoryData<string> RuleIdsWithExamples()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in RuleCatalog.AllDescriptors.Where(d => d.FailingExample.Length > 0))
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuleIdsWithExamples))]
    public void Failing_example_is_reported(string ruleId)
    {
        var descriptor = RuleCatalog.AllDescriptors.Single(d => d.Id == ruleId);
        var findings = TestTemplates.Check(descriptor.FailingExample, environment: descriptor.ExampleEnvironment);
        var finding = Assert.Single(findings, f => f.RuleId == ruleId);
        Assert.Equal(descriptor.Severity, finding.Severity);
        Assert.False(string.IsNullOrWhiteSpace(finding.Message));
        // A finding about a resource points into the example: at a resource it defines, by a path below it, with a line.
        // (Findings about the file itself, such as a parse error, name no resource.)
        if (finding.Resource is { } resource)
        {
            Assert.NotNull(finding.Line);
            Assert.Matches($@"(?m)^\s*""?{System.Text.RegularExpressions.Regex.Escape(resource)}""?\s*:", descriptor.FailingExample);
            Assert.StartsWith($"Resources/{resource}", finding.Path, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(RuleIdsWithExamples))]
    public void Passing_example_is_clean(string ruleId)
    {
        var descriptor = RuleCatalog.AllDescriptors.Single(d => d.Id == ruleId);
        var findings = TestTemplates.Check(descriptor.PassingExample, environment: descriptor.ExampleEnvironment);
        Assert.DoesNotContain(findings, f => f.RuleId == ruleId);
    }
}
