using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules;

/// <summary>What a rule is: shown in help, SARIF and docs/rules/&lt;ID&gt;.md.</summary>
/// <param name="Seed">The failure reports (shared/seeds) behind the rule, e.g. "002" or "001, 004".</param>
/// <param name="FailingExample">A minimal YAML template the rule reports; also a test case.</param>
/// <param name="PassingExample">The same template fixed; also a test case.</param>
/// <param name="ExampleEnvironment">The --environment the examples are checked with.</param>
internal sealed record RuleDescriptor(
    string Id,
    Severity Severity,
    string Title,
    string Description,
    string Fix,
    string Seed,
    string FailingExample,
    string PassingExample,
    string ExampleEnvironment = "dev")
{
    public IReadOnlyList<string> Seeds => Seed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The rule's page, relative to the repository root.</summary>
    public string DocsPath => $"docs/rules/{Id}.md";
}

/// <summary>One concern, checked over one template. Unknown values (unresolvable intrinsics) are never reported.</summary>
internal abstract class Rule
{
    public abstract RuleDescriptor Descriptor { get; }

    public abstract void Check(RuleContext context);
}
