using Payments.Preflight.Model;
using Xunit.Abstractions;

namespace Payments.Preflight.Tests.Permissions;

/// <summary>
/// Mutation check of the correct cases: each policy statement is removed in turn (inline, attached, managed, topic,
/// queue, bucket, repository, key and trust policies alike). Removing a statement whose Sid starts with `Needed` must
/// give exactly the findings the case's `needed` header names for it; removing any other statement must give no error.
/// </summary>
public sealed class FlowMutationTests(ITestOutputHelper output)
{
    private static readonly PreflightOptions Options = new() { Today = TestTemplates.Today };

    public static TheoryData<string> Correct() => FlowFixtureTests.Correct();

    [Theory]
    [MemberData(nameof(Correct))]
    public void Removing_a_needed_statement_gives_exactly_its_finding_and_removing_another_gives_none(string name)
    {
        var flowCase = FlowCase.Named(name);
        var templates = PolicyMutation.Parse(flowCase);
        var statements = PolicyMutation.Statements(templates);
        // the JSON rewrite itself must not change the answer
        Assert.Empty(Errors(Run(flowCase, templates, without: null)));

        var failures = new List<string>();
        var used = new HashSet<NeededStatement>();
        foreach (var statement in statements)
        {
            var errors = Errors(Run(flowCase, templates, statement.Node));
            var actual = errors.Select(f => $"{f.RuleId} {f.Resource}").Distinct().Order(StringComparer.Ordinal).ToList();
            if (statement.Sid is { } sid && sid.StartsWith("Needed", StringComparison.Ordinal))
            {
                var needed = flowCase.Needed.Where(n => sid.StartsWith(n.SidPrefix, StringComparison.Ordinal)).MaxBy(n => n.SidPrefix.Length);
                if (needed is null)
                {
                    failures.Add($"{statement.Where}: statement '{sid}' has no needed line in the case's header");
                    continue;
                }

                used.Add(needed);
                var expected = needed.Findings.Select(f => $"{f.Rule} {f.Resource}").Distinct().Order(StringComparer.Ordinal).ToList();
                if (!expected.SequenceEqual(actual))
                {
                    failures.Add($"{statement.Where} ('{sid}') removed: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]\n{FlowFixtureTests.Describe(errors)}");
                }
            }
            else if (errors.Count > 0)
            {
                failures.Add($"{statement.Where} ('{statement.Sid}') removed: no error expected, got\n{FlowFixtureTests.Describe(errors)}");
            }
        }

        failures.AddRange(flowCase.Needed.Where(n => !used.Contains(n)).Select(n => $"needed line '{n.SidPrefix}' matches no statement"));
        output.WriteLine($"{name}: {statements.Count} mutation(s), {statements.Count(s => s.Sid?.StartsWith("Needed", StringComparison.Ordinal) == true)} of a needed statement");
        Assert.NotEmpty(used);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static List<Finding> Errors(IEnumerable<Finding> findings) => [.. findings.Where(f => f.Severity == Severity.Error)];

    /// <summary>Checks the case's templates with <paramref name="without"/> left out: one template in memory, a directory as one run.</summary>
    private static IReadOnlyList<Finding> Run(FlowCase flowCase, Dictionary<string, Node> templates, Node? without)
    {
        if (!flowCase.IsDirectory)
        {
            var (file, root) = templates.Single();
            return PreflightEngine.CheckText(Path.ChangeExtension(Path.GetFileName(file), ".json"), PolicyMutation.Json(root, without), Options);
        }

        var directory = Directory.CreateTempSubdirectory("preflight-mutation-").FullName;
        try
        {
            foreach (var (file, root) in templates)
            {
                File.WriteAllText(Path.Combine(directory, Path.ChangeExtension(Path.GetFileName(file), ".json")), PolicyMutation.Json(root, without));
            }

            return PreflightEngine.Check([directory], Options).Findings;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
