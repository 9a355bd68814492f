using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Payments.Preflight.Tests.Rules;

/// <summary>
/// The templates of <see cref="ReferenceTests"/>, <see cref="TemplateFormatTests"/> and <see cref="ResourceShapeTests"/>
/// judged by cfn-lint as well: our tests say what PF014–PF017 and the shape rules meant to find, cfn-lint is an
/// independent judge of whether CloudFormation would refuse the template. Every template preflight refuses, cfn-lint must refuse (an E finding), and every template
/// preflight passes, cfn-lint must pass, except the disagreements listed in <see cref="KnownDisagreements"/>,
/// each with the reason; a listed disagreement that stops happening fails too, so the list stays true.
/// </summary>
public sealed partial class CfnLintAgreementTests(CfnLintAgreementTests.Verdicts verdicts) : IClassFixture<CfnLintAgreementTests.Verdicts>
{
    /// <summary>The rules whose findings are preflight's verdict on a case, down to which severity, and the environment to check in.</summary>
    private sealed record Judging(string[] Rules, Severity Lowest, string? Environment)
    {
        public bool Counts(Finding finding) => Rules.Contains(finding.RuleId) && finding.Severity <= Lowest;
    }

    private static readonly Judging ReferencesAndFormat = new(["PF014", "PF015", "PF016", "PF017"], Severity.Error, null);

    // The resource-shape rules: a warning counts too, as PF012 (a value outside the schema's enum) warns where
    // cfn-lint errs (E3030), the schema's enums being a snapshot. ResourceShapeTests checks in an environment, as a
    // synth does.
    private static readonly Judging Shapes = new(["PF003", "PF010", "PF011", "PF012", "PF013"], Severity.Warning, "dev");

    /// <summary>Where cfn-lint 1.51 and preflight part, by case name, and why preflight is right.</summary>
    private static readonly Dictionary<string, string> KnownDisagreements = new(StringComparer.Ordinal)
    {
        ["undefined name: !FindInMap [Size, dev, Memory]"] =
            "cfn-lint checks Fn::FindInMap's keys only when the mapping exists; CloudFormation refuses a map name the template does not define",
        ["parameter type: List<AWS::EC2::Subnet::Id>s"] =
            "cfn-lint accepts any type that begins with List<; what CloudFormation accepts beyond the documented types is a List<…> as a whole (aws-cloudformation/cfn-lint#4361)",
        ["parameter type: AWS::SSM::Parameter::Value<String>>"] =
            "as above: cfn-lint accepts any type that begins with AWS::SSM::Parameter::Value<, even one that closes twice",
        ["parameter type: AWS::SSM::Parameter::Value<String"] =
            "as above: cfn-lint accepts any type that begins with AWS::SSM::Parameter::Value<, even one that never closes",
        ["parameter type: List<>"] =
            "as above: cfn-lint accepts any type that begins with List<, even an empty list",
        ["201 entries in Parameters"] =
            "cfn-lint 1.51's schema bounds outputs (200) and resources (500) but not the number of parameters; AWS's quotas page lists 200",
        ["shape accepted: a macro rewrites shapes: the template is not judged"] =
            "cfn-lint lints a template under a macro it cannot run as written; the macro may add or rename the property, so preflight does not judge it",
        ["shape accepted: third-party registry types and modules are not judged"] =
            "cfn-lint knows only AWS's public types; a third-party type or a module activated in the account's registry exists there",
        ["LanguageExtensions accepted: a loop over a parameter: a name it could make is not judged"] =
            "cfn-lint makes up the items of a collection known only at deploy time (here a CommaDelimitedList parameter without a default) and judges names against those; the items the stack gets may make QueueAudit",
        ["LanguageExtensions accepted: a name made from the identifier in a plain string of the loop"] =
            "cfn-lint puts a loop's items into keys and Fn::Sub only; AWS's Fn::ForEach reference says every ${Identifier} in the output key and value is replaced, so DependsOn: Topic${Name} names TopicOrders and TopicRefunds",
        ["201 entries in Mappings"] =
            "cfn-lint 1.51's schema bounds the attributes of a mapping (200) but not the number of mappings; AWS's quotas page lists 200",
    };

    [Fact]
    public void The_cases_cover_every_judged_row_and_cfn_lint_judged_every_one()
    {
        Assert.True(verdicts.Cases.Count >= 100, $"only {verdicts.Cases.Count} cases");
        Assert.Equal(verdicts.Cases.Count, verdicts.Cases.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(KnownDisagreements.Keys, name => Assert.Contains(verdicts.Cases, c => c.Name == name));
        // Both kinds of case are present, so neither direction of the agreement holds vacuously.
        Assert.Contains(verdicts.Cases, c => c.PreflightRefuses);
        Assert.Contains(verdicts.Cases, c => !c.PreflightRefuses);
    }

    [Fact]
    public void Every_template_preflight_refuses_cfn_lint_refuses_and_every_one_it_passes_cfn_lint_passes()
    {
        var disagreements = verdicts.Cases
            .Where(c => c.PreflightRefuses != c.CfnLintRefuses && !KnownDisagreements.ContainsKey(c.Name))
            .Select(c => $"{c.Name}: preflight {(c.PreflightRefuses ? "refuses" : "passes")}, cfn-lint {(c.CfnLintRefuses ? "refuses" : "passes")}"
                + $"\n  preflight: {string.Join(" | ", c.PreflightErrors)}\n  cfn-lint: {string.Join(" | ", c.CfnLintErrors)}")
            .ToList();

        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
    }

    [Fact]
    public void The_known_disagreements_still_disagree()
    {
        foreach (var (name, reason) in KnownDisagreements)
        {
            var judged = verdicts.Cases.Single(c => c.Name == name);
            Assert.True(judged.PreflightRefuses != judged.CfnLintRefuses, $"{name} now agrees; remove it from the list ({reason})");
        }
    }

    /// <summary>One template: its name, and what each tool said.</summary>
    public sealed record Judged(string Name, IReadOnlyList<string> PreflightErrors, IReadOnlyList<string> CfnLintErrors)
    {
        public bool PreflightRefuses => PreflightErrors.Count > 0;

        public bool CfnLintRefuses => CfnLintErrors.Count > 0;
    }

    /// <summary>Writes every case's template, runs preflight on each and cfn-lint once over all (its start-up is seconds).</summary>
    public sealed partial class Verdicts : IAsyncLifetime
    {
        private readonly string directory = Directory.CreateTempSubdirectory("cfnlint-agreement-").FullName;

        public List<Judged> Cases { get; } = [];

        public async Task InitializeAsync()
        {
            var templates = ReferenceAndFormatTemplates().Select(t => (t.Name, t.Yaml, Judging: ReferencesAndFormat))
                .Concat(ShapeTemplates().Select(t => (t.Name, t.Yaml, Judging: Shapes)))
                .ToList();
            var files = templates.Select((t, i) => Path.Combine(directory, $"{i:000}.yaml")).ToList();
            for (var i = 0; i < templates.Count; i++)
            {
                await File.WriteAllTextAsync(files[i], templates[i].Yaml);
            }

            var run = await CommandRunner.RunAsync("cfn-lint", ["--format", "parseable", "--", .. files], TimeSpan.FromMinutes(5));
            var errors = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => Finding().Match(line))
                .Where(match => match.Success && match.Groups["rule"].Value.StartsWith('E'))
                .ToLookup(match => Path.GetFileName(match.Groups["file"].Value), match => $"{match.Groups["rule"].Value} line {match.Groups["line"].Value}: {match.Groups["message"].Value}");
            // cfn-lint exits 0 when clean and with bit flags for findings; anything it could not run shows on stderr.
            Assert.True(run.ExitCode is >= 0 and < 32 && !run.StandardError.Contains("Traceback", StringComparison.Ordinal),
                $"cfn-lint did not run (exit {run.ExitCode}):\n{run.StandardError}");

            for (var i = 0; i < templates.Count; i++)
            {
                var judging = templates[i].Judging;
                var preflight = TestTemplates.Check(templates[i].Yaml, judging.Environment)
                    .Where(judging.Counts)
                    .Select(f => $"{f.RuleId} line {f.Line}: {f.Message}")
                    .ToList();
                Cases.Add(new Judged(templates[i].Name, preflight, [.. errors[Path.GetFileName(files[i])]]));
            }
        }

        public Task DisposeAsync()
        {
            Directory.Delete(directory, recursive: true);
            return Task.CompletedTask;
        }

        [GeneratedRegex(@"^(?<file>.+?\.yaml):(?<line>\d+):\d+:\d+:\d+:(?<rule>[EWI]\d+):(?<message>.*)$")]
        private static partial Regex Finding();

        private static IEnumerable<(string Name, string Yaml)> ShapeTemplates() =>
            ResourceShapeTests.Accepted().Select(row => ($"shape accepted: {row[0]}", (string)row[1]))
                .Concat(ResourceShapeTests.Rejected().Select(row => ($"shape rejected: {row[0]}", (string)row[4])));

        private static IEnumerable<(string Name, string Yaml)> ReferenceAndFormatTemplates()
        {
            // A TheoryData of one type enumerates its values; of several, rows of objects.
            foreach (var value in ReferenceTests.AcceptedForms)
            {
                yield return ($"accepted form: {value}", ReferenceTests.Property(value));
            }

            foreach (var row in ReferenceTests.UndefinedNames)
            {
                yield return ($"undefined name: {row[0]}", ReferenceTests.Property((string)row[0]));
            }

            foreach (var row in ReferenceTests.UndefinedAttributeNames)
            {
                yield return ($"undefined name in an attribute: {row[0]}", ReferenceTests.Attribute((string)row[0]));
            }

            foreach (var row in ReferenceTests.WrongShapes)
            {
                yield return ($"wrong shape: {row[0]}", ReferenceTests.Property((string)row[0]));
            }

            foreach (var row in ReferenceTests.WrongConditionArities)
            {
                yield return ($"wrong condition arity: {row[0]}", ReferenceTests.Condition((string)row[0]));
            }

            foreach (var row in ReferenceTests.ExtensionsAccepted)
            {
                yield return ($"LanguageExtensions accepted: {row[0]}", ReferenceTests.Extensions((string)row[1]));
            }

            foreach (var row in ReferenceTests.ExtensionsRejected)
            {
                yield return ($"LanguageExtensions rejected: {row[1]}", ReferenceTests.Extensions((string)row[2]));
            }

            yield return ("Fn::Length without the transform", ReferenceTests.Property("!Length [a, b]"));

            foreach (var row in ReferenceTests.SamAccepted)
            {
                yield return ($"SAM accepted: {row[0]}", ReferenceTests.Sam((string)row[1]));
            }

            foreach (var row in ReferenceTests.SamRejected)
            {
                yield return ($"SAM rejected: {row[1]}", ReferenceTests.Sam((string)row[2]));
            }

            foreach (var row in TemplateFormatTests.NonAlphanumericNames)
            {
                yield return ($"logical ID in {row[0]}: {row[1]}", TemplateFormatTests.Template((string)row[0], (string)row[1]));
            }

            foreach (var length in new[] { 255, 256 })
            {
                yield return ($"logical ID of {length} characters", TemplateFormatTests.Template("Resources", new string('Q', length)));
            }

            foreach (var row in TemplateFormatTests.ParameterTypes)
            {
                yield return ($"parameter type: {row[0]}", TemplateFormatTests.ParameterTemplate((string)row[0]));
            }

            yield return ("a parameter without a type and an output without a value", TemplateFormatTests.UntypedParameterAndValuelessOutput);

            foreach (var row in TemplateFormatTests.SectionQuotas)
            {
                var count = (int)row[1];
                yield return ($"{count.ToString(CultureInfo.InvariantCulture)} entries in {row[0]}", TemplateFormatTests.QuotaTemplate((string)row[0], count));
            }

            foreach (var attributes in new[] { 200, 201 })
            {
                yield return ($"a mapping of {attributes} attributes", TemplateFormatTests.MappingTemplate(attributes));
            }
        }
    }
}
