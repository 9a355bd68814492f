using System.Text.RegularExpressions;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Structure;

/// <summary>
/// One walk over the parts of a template CloudFormation evaluates (resource properties, metadata, DependsOn,
/// Condition, UpdatePolicy and CreationPolicy; Outputs; Conditions; the Rules section's conditions and assertions),
/// collecting the two kinds of mistake its template validation rejects before anything is created: a name that the
/// template does not define (PF014) and an intrinsic function of the wrong shape (PF015). Both rules read the same
/// walk, made once per template.
/// </summary>
/// <remarks>
/// A template with a <c>Transform</c> is not walked: SAM adds resources of its own (a function's role, the
/// implicit API) that other resources refer to, and macros and <c>AWS::LanguageExtensions</c> rewrite shapes, so
/// what CloudFormation validates is not what the file says. Nor are the parameters of <c>Fn::Transform</c>: a
/// macro receives them and runs before CloudFormation validates what it returns.
/// </remarks>
internal static partial class References
{
    public enum IssueKind { Unresolved, WrongShape }

    public sealed record Issue(IssueKind Kind, string? LogicalId, string Path, Node Node, string Message);

    private static readonly HashSet<string> PseudoParameters = new(StringComparer.Ordinal)
    {
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId",
        "AWS::StackName", "AWS::URLSuffix",
    };

    // Every function CloudFormation evaluates outside the Rules section (whose own are RuleFunctions). Fn::Length,
    // Fn::ToJsonString and Fn::ForEach need AWS::LanguageExtensions, a transform, and a template with a transform is
    // not walked.
    private static readonly HashSet<string> Functions = new(StringComparer.Ordinal)
    {
        "Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs", "Fn::ImportValue", "Fn::Join",
        "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::Transform", "Fn::And", "Fn::Equals", "Fn::If", "Fn::Not", "Fn::Or",
    };

    // What the Rules section has besides the condition functions; their arguments name parameter types and attributes.
    private static readonly HashSet<string> RuleFunctions = new(StringComparer.Ordinal)
    {
        "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll",
    };

    private static string Unresolved(string name) =>
        $"CloudFormation rejects the template (\"Unresolved resource dependencies [{name}] in the Resources block of the template\")";

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Template, List<Issue>> Cache = [];

    /// <summary>The template's issues, found on first use and kept for the other rule.</summary>
    public static IReadOnlyList<Issue> Of(Template template) => Cache.GetValue(template, static t =>
    {
        var issues = new List<Issue>();
        if (t.Root["Transform"] is null)
        {
            new Walk(t, issues).Run();
        }

        return issues;
    });

    public static void Report(RuleContext context, IssueKind kind)
    {
        foreach (var issue in Of(context.Template).Where(i => i.Kind == kind))
        {
            if (issue.LogicalId is not null && context.Template.Resources.TryGetValue(issue.LogicalId, out var resource))
            {
                context.Report(resource, issue.Path, issue.Node, issue.Message);
            }
            else
            {
                context.ReportTemplate(issue.Path, issue.Node, issue.Message);
            }
        }
    }

    [GeneratedRegex(@"\$\{([^}]*)\}")]
    private static partial Regex SubVariable();

    private enum Section { Resources, Outputs, Conditions, Rules }

    /// <summary>
    /// Where the walk is, as a chain of segments: the string is built only for a finding, not for each of the
    /// thousands of nodes a large template has.
    /// </summary>
    private sealed class Path(Path? parent, string? key, int index = -1)
    {
        private readonly Path? parent = parent;
        private readonly string? key = key;
        private readonly int index = index;

        public Path Child(string segment) => new(this, segment);

        public Path Child(int item) => new(this, null, item);

        public override string ToString()
        {
            var segments = new Stack<string>();
            for (var at = this; at is not null; at = at.parent)
            {
                segments.Push(at.key ?? at.index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return string.Join('/', segments);
        }
    }

    private sealed class Walk(Template template, List<Issue> issues)
    {
        private readonly MappingNode? resources = template.Root["Resources"] as MappingNode;
        private readonly MappingNode? mappings = template.Root["Mappings"] as MappingNode;
        private string? logicalId;
        private Section section;

        public void Run()
        {
            if (resources is not null)
            {
                section = Section.Resources;
                foreach (var (id, node) in resources.Entries)
                {
                    if (node is not MappingNode body)
                    {
                        continue;
                    }

                    logicalId = id;
                    foreach (var key in new[] { "Properties", "Metadata", "UpdatePolicy", "CreationPolicy" })
                    {
                        if (body[key] is { } value)
                        {
                            Visit(value, new Path(null, key));
                        }
                    }

                    DependsOn(body["DependsOn"]);
                    ConditionName(body["Condition"], new Path(null, "Condition"), $"the Condition of resource {id}");
                }
            }

            logicalId = null;
            if (template.Root["Outputs"] is MappingNode outputs)
            {
                section = Section.Outputs;
                foreach (var (name, node) in outputs.Entries)
                {
                    if (node is MappingNode output)
                    {
                        foreach (var key in new[] { "Value", "Export" })
                        {
                            if (output[key] is { } value)
                            {
                                Visit(value, new Path(null, $"Outputs/{name}/{key}"));
                            }
                        }

                        ConditionName(output["Condition"], new Path(null, $"Outputs/{name}/Condition"), $"the Condition of output {name}");
                    }
                }
            }

            if (template.Conditions is { } conditions)
            {
                section = Section.Conditions;
                foreach (var (name, node) in conditions.Entries)
                {
                    Visit(node, new Path(null, $"Conditions/{name}"));
                }
            }

            // Parameter rules: a RuleCondition and each assertion's Assert, which may use parameters only.
            if (template.Root["Rules"] is MappingNode rules)
            {
                section = Section.Rules;
                foreach (var (name, node) in rules.Entries)
                {
                    if (node is not MappingNode rule)
                    {
                        continue;
                    }

                    if (rule["RuleCondition"] is { } condition)
                    {
                        Visit(condition, new Path(null, $"Rules/{name}/RuleCondition"));
                    }

                    if (rule["Assertions"] is SequenceNode assertions)
                    {
                        for (var i = 0; i < assertions.Items.Count; i++)
                        {
                            if (assertions.Items[i] is MappingNode assertion && assertion["Assert"] is { } assert)
                            {
                                Visit(assert, new Path(null, $"Rules/{name}/Assertions/{i}/Assert"));
                            }
                        }
                    }
                }
            }
        }

        private void Add(IssueKind kind, Path path, Node node, string message) =>
            issues.Add(new Issue(kind, logicalId, path.ToString(), node, message));

        private void Visit(Node node, Path path)
        {
            switch (node)
            {
                case SequenceNode sequence:
                    for (var i = 0; i < sequence.Items.Count; i++)
                    {
                        Visit(sequence.Items[i], path.Child(i));
                    }

                    break;
                case MappingNode mapping when Intrinsic(mapping) is { } name:
                    Function(name, mapping.Entries[0].Value, path.Child(name), mapping);
                    break;
                case MappingNode mapping:
                    foreach (var (key, value) in mapping.Entries)
                    {
                        Visit(value, path.Child(key));
                    }

                    break;
            }
        }

        /// <summary>
        /// The function a single-key mapping calls, if it calls one. `Condition` is a function only in the Conditions
        /// section (elsewhere a one-key mapping with that key is data, such as a policy statement's condition block).
        /// </summary>
        private string? Intrinsic(MappingNode mapping) => mapping.IntrinsicName switch
        {
            "Condition" => section == Section.Conditions ? "Condition" : null,
            var name => name,
        };

        private void Function(string name, Node argument, Path path, MappingNode call)
        {
            switch (name)
            {
                case "Ref":
                    Ref(argument, path);
                    return;
                case "Condition":
                    ConditionName(argument, path, "Condition");
                    return;
                case "Fn::GetAtt":
                    GetAtt(argument, path);
                    break;
                case "Fn::Sub":
                    Sub(argument, path);
                    break;
                case "Fn::If":
                    if (Arguments(argument, path, name, 3, 3, "[condition name, value if true, value if false]") is { } ifArgs)
                    {
                        ConditionName(ifArgs[0], path.Child(0), "Fn::If");
                    }

                    break;
                case "Fn::FindInMap":
                    if (Arguments(argument, path, name, 3, 3, "[map name, top-level key, second-level key]") is { } mapArgs
                        && mapArgs[0] is ScalarNode { Kind: ScalarKind.String } map && mappings?[map.Value] is null)
                    {
                        Add(IssueKind.Unresolved, path.Child(0), map,
                            $"Fn::FindInMap names the mapping '{map.Value}', which the template's Mappings does not define; CloudFormation rejects the template");
                    }

                    break;
                case "Fn::Join":
                    if (Arguments(argument, path, name, 2, 2, "[delimiter, list of values]") is { } join)
                    {
                        Expect(join[0], path.Child(0), name, "its delimiter", scalar: true);
                        Expect(join[1], path.Child(1), name, "the values to join", list: true);
                    }

                    break;
                case "Fn::Select":
                    if (Arguments(argument, path, name, 2, 2, "[index, list]") is { } select)
                    {
                        Expect(select[0], path.Child(0), name, "its index", scalar: true);
                        Expect(select[1], path.Child(1), name, "the list to select from", list: true);
                    }

                    break;
                case "Fn::Split":
                    if (Arguments(argument, path, name, 2, 2, "[delimiter, string]") is { } split)
                    {
                        Expect(split[0], path.Child(0), name, "its delimiter", scalar: true);
                        Expect(split[1], path.Child(1), name, "the string to split", scalar: true);
                    }

                    break;
                case "Fn::Transform":
                    // A macro's parameters are the macro's business: it runs before CloudFormation validates the result.
                    return;
                case "Fn::Cidr":
                    Arguments(argument, path, name, 3, 3, "[IP block, count, CIDR bits]");
                    break;
                case "Fn::Equals":
                    Arguments(argument, path, name, 2, 2, "[value, value]");
                    break;
                case "Fn::Not":
                    Arguments(argument, path, name, 1, 1, "[condition]");
                    break;
                case "Fn::And" or "Fn::Or":
                    Arguments(argument, path, name, 2, 10, "a list of 2 to 10 conditions");
                    break;
                case "Fn::GetAZs" or "Fn::ImportValue":
                    Expect(argument, path, name, "its argument", scalar: true);
                    break;
                default:
                    if (!Functions.Contains(name) && !(section == Section.Rules && RuleFunctions.Contains(name)))
                    {
                        Add(IssueKind.WrongShape, path, call,
                            $"{name} is not a function CloudFormation knows; it rejects the template (\"Encountered unsupported function: {name}\")");
                        return;
                    }

                    break;
            }

            Visit(argument, path);
        }

        private void Ref(Node argument, Path path)
        {
            if (argument is not ScalarNode { Kind: ScalarKind.String } target || target.Value.Length == 0)
            {
                Add(IssueKind.WrongShape, path, argument,
                    "Ref takes the name of a parameter or resource as a plain string; CloudFormation rejects the template (\"Every Ref object must have a single String value\")");
                return;
            }

            Name(target.Value, target, path, "Ref", attribute: false);
        }

        private void GetAtt(Node argument, Path path)
        {
            switch (argument)
            {
                case ScalarNode { Kind: ScalarKind.String } dotted when dotted.Value.IndexOf('.', StringComparison.Ordinal) > 0:
                    Name(dotted.Value[..dotted.Value.IndexOf('.', StringComparison.Ordinal)], dotted, path, "Fn::GetAtt", attribute: true);
                    return;
                case SequenceNode { Items.Count: 2 } pair when pair.Items[0] is ScalarNode { Kind: ScalarKind.String } resource
                    && pair.Items[1] is ScalarNode { Kind: ScalarKind.String } or MappingNode { IntrinsicName: not null }:
                    Name(resource.Value, resource, path.Child(0), "Fn::GetAtt", attribute: true);
                    return;
                default:
                    Add(IssueKind.WrongShape, path, argument,
                        "Fn::GetAtt takes [logical ID, attribute name] (or `LogicalId.Attribute` in YAML's short form); CloudFormation rejects the template (\"Template error: every Fn::GetAtt object requires two non-empty parameters\")");
                    return;
            }
        }

        private void Sub(Node argument, Path path)
        {
            ScalarNode? text;
            MappingNode? variables = null;
            switch (argument)
            {
                case ScalarNode { Kind: ScalarKind.String } alone:
                    text = alone;
                    break;
                case SequenceNode { Items.Count: 2 } pair when pair.Items[0] is ScalarNode { Kind: ScalarKind.String } first
                    && pair.Items[1] is MappingNode map && map.IntrinsicName is null:
                    text = first;
                    variables = map;
                    break;
                case MappingNode { IntrinsicName: not null }:
                    // The string comes from another function (uncommon, but CloudFormation resolves it first).
                    return;
                default:
                    Add(IssueKind.WrongShape, path, argument,
                        "Fn::Sub takes a string, or [string, mapping of variables]; CloudFormation rejects the template");
                    return;
            }

            foreach (Match match in SubVariable().Matches(text.Value))
            {
                var variable = match.Groups[1].Value;
                if (variable.StartsWith('!') || variables?[variable] is not null)
                {
                    continue; // ${!Literal} is written as ${Literal}; a variable of the mapping is defined there
                }

                var dot = variable.IndexOf('.', StringComparison.Ordinal);
                Name(dot > 0 ? variable[..dot] : variable, text, path, "Fn::Sub", attribute: dot > 0, shown: variable);
            }
        }

        /// <summary>Checks that <paramref name="name"/> is defined where it is used; reports PF014 when it is not.</summary>
        private void Name(string name, Node node, Path path, string function, bool attribute, string? shown = null)
        {
            var what = shown is null ? $"{function} to '{name}'" : $"{function} uses ${{{shown}}}";
            if (name.StartsWith("AWS::", StringComparison.Ordinal))
            {
                if (attribute || !PseudoParameters.Contains(name))
                {
                    Add(IssueKind.Unresolved, path, node,
                        $"{what}: '{name}' is not a pseudo parameter (they are {string.Join(", ", PseudoParameters.Order(StringComparer.Ordinal))}); {Unresolved(name)}");
                }

                return;
            }

            var isResource = resources?[name] is not null;
            var isParameter = template.Parameters?[name] is not null;
            if (section == Section.Conditions && (isResource || attribute) && !isParameter)
            {
                Add(IssueKind.Unresolved, path, node,
                    $"{what} in a condition: conditions can use only parameters, pseudo parameters and mappings; CloudFormation rejects the template (\"Cannot reference resources in the Conditions block of the template\")");
                return;
            }

            if (section == Section.Rules && !isParameter)
            {
                Add(IssueKind.Unresolved, path, node,
                    $"{what} in a parameter rule, which is not a parameter of this template; rules can use only parameters and pseudo parameters, and CloudFormation rejects the template");
                return;
            }

            if (attribute ? !isResource : !isResource && !isParameter)
            {
                var defined = attribute ? "a resource" : "a resource or a parameter";
                Add(IssueKind.Unresolved, path, node,
                    $"{what}, which is not {defined} of this template; {Unresolved(name)}");
            }
        }

        private void DependsOn(Node? node)
        {
            var names = node switch
            {
                ScalarNode scalar => [scalar],
                SequenceNode list => list.Items,
                null => [],
                _ => [node],
            };
            var attribute = new Path(null, "DependsOn");
            for (var i = 0; i < names.Count; i++)
            {
                var path = node is SequenceNode ? attribute.Child(i) : attribute;
                if (names[i] is not ScalarNode { Kind: ScalarKind.String } name)
                {
                    Add(IssueKind.WrongShape, path, names[i], "DependsOn takes a logical ID or a list of them; CloudFormation rejects the template");
                }
                else if (resources?[name.Value] is null)
                {
                    Add(IssueKind.Unresolved, path, name,
                        $"DependsOn names '{name.Value}', which is not a resource of this template; {Unresolved(name.Value)}");
                }
            }
        }

        private bool HasCondition(string name) => template.Conditions?[name] is not null;

        private void ConditionName(Node? node, Path path, string where)
        {
            switch (node)
            {
                case null:
                    return;
                case ScalarNode { Kind: ScalarKind.String } name when HasCondition(name.Value):
                    return;
                case ScalarNode { Kind: ScalarKind.String } name:
                    Add(IssueKind.Unresolved, path, name,
                        $"{where} names the condition '{name.Value}', which the template's Conditions does not define; CloudFormation rejects the template (\"Template format error: Unresolved dependencies [{name.Value}]\")");
                    return;
                default:
                    Add(IssueKind.WrongShape, path, node, $"{where} takes the name of a condition as a plain string; CloudFormation rejects the template");
                    return;
            }
        }

        /// <summary>The arguments of a function that takes a list of <paramref name="min"/>–<paramref name="max"/> items; null (and PF015) otherwise.</summary>
        private IReadOnlyList<Node>? Arguments(Node argument, Path path, string function, int min, int max, string shape)
        {
            if (argument is SequenceNode items && items.Items.Count >= min && items.Items.Count <= max)
            {
                return items.Items;
            }

            if (argument is MappingNode { IntrinsicName: not null })
            {
                return null; // the list comes from another function: nothing to judge here
            }

            var got = argument switch
            {
                SequenceNode list => $"a list of {list.Items.Count}",
                MappingNode => "a mapping",
                _ => $"the scalar '{argument}'",
            };
            Add(IssueKind.WrongShape, path, argument, $"{function} takes {shape}, not {got}; CloudFormation rejects the template");
            return null;
        }

        /// <summary>An argument that must be a scalar or a list, or else come from another function.</summary>
        private void Expect(Node argument, Path path, string function, string what, bool scalar = false, bool list = false)
        {
            var fits = argument switch
            {
                ScalarNode => scalar,
                SequenceNode => list,
                MappingNode mapping => mapping.IntrinsicName is not null,
                _ => true,
            };
            if (!fits)
            {
                var wanted = scalar ? "a string" : "a list";
                var got = argument switch { SequenceNode => "a list", MappingNode => "a mapping", _ => "a scalar" };
                Add(IssueKind.WrongShape, path, argument, $"{function} takes {wanted} as {what} (or a function that returns one), not {got}; CloudFormation rejects the template");
            }
        }
    }
}
