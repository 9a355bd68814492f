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
/// A template with a macro is not walked: the macro rewrites the template, so what CloudFormation validates is not
/// what the file says. Nor are the parameters of <c>Fn::Transform</c>: a macro receives them and runs before
/// CloudFormation validates what it returns. The two transforms AWS documents are walked. SAM adds resources of its
/// own (a function's role, the implicit API) that others refer to, named after the resource that makes them or with
/// a prefix of SAM's own: a name with such a beginning counts as defined. An <c>Fn::ForEach</c> loop
/// (<c>AWS::LanguageExtensions</c>) has its identifier in scope in its outputs, the
/// names it makes count as defined, and a name built from an identifier is checked for each item of a literal
/// collection; where the collection is known only at deploy time (a parameter), such a name counts as defined when
/// it could be one the template makes.
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

    // Every function CloudFormation evaluates outside the Rules section (whose own are RuleFunctions).
    private static readonly HashSet<string> Functions = new(StringComparer.Ordinal)
    {
        "Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs", "Fn::ImportValue", "Fn::Join",
        "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::Transform", "Fn::And", "Fn::Equals", "Fn::If", "Fn::Not", "Fn::Or",
    };

    // Prefixes of what the SAM transform makes under names of its own, besides those it derives from the resource that
    // makes them (aws-sam-translator: the implicit APIs, their usage plans and keys, the CodeDeploy application and
    // role, custom domains and their record sets).
    private static readonly string[] SamPrefixes =
        ["Serverless", "CodeDeployServiceRole", "ApiGatewayDomainName", "RecordSetGroup", "DomainNameAccessAssociation"];

    // SAM types that become one resource under their own logical ID and nothing else (a DynamoDB table, a nested stack):
    // a name that merely begins with theirs is not SAM's.
    private static readonly HashSet<string> SamMakesItselfOnly = new(StringComparer.Ordinal)
    {
        "AWS::Serverless::SimpleTable", "AWS::Serverless::Application",
    };

    // The functions AWS::LanguageExtensions adds (its Fn::ForEach is a key that makes keys, not a function).
    private static readonly HashSet<string> LanguageExtensionFunctions = new(StringComparer.Ordinal) { "Fn::Length", "Fn::ToJsonString" };

    // A name built from a loop's identifier has more candidates than this: taken as unknown rather than spelled out.
    private const int MaxExpansions = 1024;

    // What the Rules section has besides the condition functions; their arguments name parameter types and attributes.
    private static readonly HashSet<string> RuleFunctions = new(StringComparer.Ordinal)
    {
        "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll",
    };

    private static string Unresolved(string name) =>
        $"CloudFormation rejects the template (\"Unresolved resource dependencies [{Excerpt.Of(name)}] in the Resources block of the template\")";

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Template, List<Issue>> Cache = [];

    /// <summary>The template's issues, found on first use and kept for the other rule.</summary>
    public static IReadOnlyList<Issue> Of(Template template) => Cache.GetValue(template, static t =>
    {
        var issues = new List<Issue>();
        if (t.OnlyDocumentedTransforms)
        {
            new Walk(t, issues, extensions: t.Transforms.Contains(Template.LanguageExtensionsTransform), sam: t.Transforms.Contains(Template.SamTransform)).Run();
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

        public static Path Under(Path? root, string segment) => root is null ? new Path(null, segment) : root.Child(segment);

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

    /// <summary>An Fn::ForEach loop the walk is inside: its identifier, the collection's values when the template spells them out, and the loop around it.</summary>
    private sealed record Loop(string Identifier, IReadOnlyList<string>? Values, Loop? Outer)
    {
        public Loop? Find(string identifier)
        {
            for (var loop = this; loop is not null; loop = loop.Outer)
            {
                if (loop.Identifier == identifier)
                {
                    return loop;
                }
            }

            return null;
        }

        /// <summary>
        /// What <paramref name="text"/> becomes for each item of the loops in scope. A value known only at deploy time
        /// becomes <see cref="Names.Unknown"/>, so the result can be matched but not spelled out.
        /// </summary>
        public static IReadOnlyList<string> Expand(string text, Loop? scope)
        {
            if (scope is null || text.IndexOf('{', StringComparison.Ordinal) < 0)
            {
                return [text];
            }

            var results = new List<string> { "" };
            var last = 0;
            foreach (Match variable in LoopExpansion.Placeholder().Matches(text))
            {
                if (scope.Find(LoopExpansion.Identifier(variable)) is not { } loop)
                {
                    continue; // not a loop's identifier: stays as written
                }

                var literal = text[last..variable.Index];
                last = variable.Index + variable.Length;
                IReadOnlyList<string> values = loop.Values is { } known && results.Count * Math.Max(known.Count, 1) <= MaxExpansions
                    ? [.. known.Select(v => LoopExpansion.Item(variable, v))]
                    : [Names.Unknown.ToString()];
                results = [.. results.SelectMany(prefix => values.Select(value => prefix + literal + value))];
            }

            var tail = text[last..];
            return [.. results.Select(prefix => prefix + tail).Distinct(StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// The names a section defines: its keys, and what its Fn::ForEach loops make. A name made from a value known only
    /// at deploy time is kept as a pattern, with <see cref="Unknown"/> where the value goes.
    /// </summary>
    private sealed class Names
    {
        public const char Unknown = '\0';

        private readonly HashSet<string> exact = new(StringComparer.Ordinal);
        private readonly List<Regex> patterns = [];

        /// <summary>Whether a loop over a collection known only at deploy time makes some of the names.</summary>
        public bool HasPatterns => patterns.Count > 0;

        public void Add(string name)
        {
            if (name.Contains(Unknown, StringComparison.Ordinal))
            {
                patterns.Add(Pattern(name));
            }
            else
            {
                exact.Add(name);
            }
        }

        /// <summary>Whether <paramref name="name"/> is, or (when either side has a value known only at deploy time) could be, a defined name.</summary>
        public bool Contains(string name)
        {
            if (name.Contains(Unknown, StringComparison.Ordinal))
            {
                var pattern = Pattern(name);
                return patterns.Count > 0 || exact.Any(pattern.IsMatch);
            }

            return exact.Contains(name) || patterns.Exists(p => p.IsMatch(name));
        }

        private static Regex Pattern(string name) =>
            new($"^{string.Join(".*", name.Split(Unknown).Select(Regex.Escape))}$", RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    private sealed class Walk
    {
        private readonly Template template;
        private readonly List<Issue> issues;
        private readonly HashSet<(IssueKind, string?, string, string)> reported = [];
        private readonly bool extensions;
        private readonly bool sam;
        private readonly List<string> samPrefixes = [];
        private readonly MappingNode? resources;
        private readonly MappingNode? mappings;
        private readonly Names resourceNames = new();
        private readonly Names conditionNames = new();
        private string? logicalId;
        private Section section;
        private Loop? scope;

        public Walk(Template template, List<Issue> issues, bool extensions, bool sam)
        {
            this.template = template;
            this.issues = issues;
            this.extensions = extensions;
            this.sam = sam;
            resources = template.Root["Resources"] as MappingNode;
            mappings = template.Root["Mappings"] as MappingNode;
            Define(resourceNames, resources, null);
            Define(conditionNames, template.Conditions, null);
            if (sam)
            {
                // SAM names what it makes after the resource that makes it (FunctionRole, ApiProdStage, Function.Alias)
                // or with a prefix of its own (ServerlessRestApi, CodeDeployServiceRole, ApiGatewayDomainName…).
                samPrefixes.AddRange(SamPrefixes);
                samPrefixes.AddRange(template.Resources.Values
                    .Where(r => r.Type.StartsWith("AWS::Serverless::", StringComparison.Ordinal) && !SamMakesItselfOnly.Contains(r.Type))
                    .Select(r => r.LogicalId));
            }
        }

        /// <summary>The keys of a section, and the keys its loops make (loops inside loops too).</summary>
        private void Define(Names names, MappingNode? section, Loop? outer)
        {
            foreach (var (key, value) in section?.Entries ?? [])
            {
                if (!(extensions && IsLoop(key)))
                {
                    foreach (var name in Loop.Expand(key, outer))
                    {
                        names.Add(name);
                    }
                }
                else if (LoopExpansion.Parts(value) is var (identifier, collection, outputs))
                {
                    Define(names, outputs, new Loop(identifier.Value, Values(collection, outer), outer));
                }
            }
        }

        private static bool IsLoop(string key) => LoopExpansion.IsLoop(key);

        /// <summary>A resource of the template, one a loop makes, or one the SAM transform could make.</summary>
        private bool IsResource(string name) =>
            resourceNames.Contains(name)
            || (sam && (name.Contains(Names.Unknown, StringComparison.Ordinal) || resourceNames.HasPatterns
                || samPrefixes.Exists(prefix => name.StartsWith(prefix, StringComparison.Ordinal))));

        /// <summary>A condition of the template, one a loop makes, or one the SAM transform adds (it names them for itself).</summary>
        private bool IsCondition(string name) =>
            conditionNames.Contains(name)
            || (sam && (name.StartsWith("Serverless", StringComparison.Ordinal) || name == "SharedUsagePlanCondition"));

        private string NotMade => sam ? ", nor a name the SAM transform makes" : "";

        /// <summary>A collection's items when the template spells them out and no item is made from an outer loop's identifier.</summary>
        private static IReadOnlyList<string>? Values(Node collection, Loop? outer) =>
            LoopExpansion.Items(collection) is { } items
                && !items.Any(item => LoopExpansion.Placeholder().Matches(item).Any(p => outer?.Find(LoopExpansion.Identifier(p)) is not null))
                ? items
                : null;

        public void Run()
        {
            if (resources is not null)
            {
                section = Section.Resources;
                foreach (var (id, node) in resources.Entries)
                {
                    if (extensions && IsLoop(id))
                    {
                        logicalId = null;
                        ForEach(id, node, new Path(null, "Resources").Child(id), [], (key, body, path) =>
                        {
                            if (body is MappingNode resource)
                            {
                                Resource(key, resource, path);
                            }
                        });
                        continue;
                    }

                    if (node is not MappingNode body)
                    {
                        continue;
                    }

                    logicalId = id;
                    Resource(id, body, null);
                }
            }

            logicalId = null;
            if (sam && template.Root["Globals"] is MappingNode globals)
            {
                // SAM copies these into its resources' properties before CloudFormation resolves them.
                Visit(globals, new Path(null, "Globals"));
            }

            if (template.Root["Outputs"] is MappingNode outputs)
            {
                section = Section.Outputs;
                foreach (var (name, node) in outputs.Entries)
                {
                    var path = new Path(null, "Outputs").Child(name);
                    if (extensions && IsLoop(name))
                    {
                        ForEach(name, node, path, [], (key, body, at) =>
                        {
                            if (body is MappingNode output)
                            {
                                Output(key, output, at);
                            }
                        });
                    }
                    else if (node is MappingNode output)
                    {
                        Output(name, output, path);
                    }
                }
            }

            if (template.Conditions is { } conditions)
            {
                section = Section.Conditions;
                foreach (var (name, node) in conditions.Entries)
                {
                    var path = new Path(null, "Conditions").Child(name);
                    if (extensions && IsLoop(name))
                    {
                        ForEach(name, node, path, [], (_, condition, at) => Visit(condition, at));
                    }
                    else
                    {
                        Visit(node, path);
                    }
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

        /// <summary>A resource's body; <paramref name="root"/> is null for a resource of the model (paths relative to it), else where a loop's output is.</summary>
        private void Resource(string name, MappingNode body, Path? root)
        {
            foreach (var key in new[] { "Properties", "Metadata", "UpdatePolicy", "CreationPolicy" })
            {
                if (body[key] is { } value)
                {
                    Visit(value, Path.Under(root, key));
                }
            }

            DependsOn(body["DependsOn"], Path.Under(root, "DependsOn"));
            ConditionName(body["Condition"], Path.Under(root, "Condition"), $"the Condition of resource {name}");
        }

        private void Output(string name, MappingNode output, Path path)
        {
            foreach (var key in new[] { "Value", "Export" })
            {
                if (output[key] is { } value)
                {
                    Visit(value, path.Child(key));
                }
            }

            ConditionName(output["Condition"], path.Child("Condition"), $"the Condition of output {name}");
        }

        /// <summary>
        /// An Fn::ForEach loop: checks its shape, walks its collection, then each of its outputs with its identifier in
        /// scope. <paramref name="keyLoops"/> are the loops whose outputs share one mapping's keys with this one's (a
        /// loop directly inside another's outputs): every item of each must make a key of its own.
        /// </summary>
        private void ForEach(string key, Node value, Path path, IReadOnlyList<Loop> keyLoops, Action<string, Node, Path> output)
        {
            if (LoopExpansion.Parts(value) is not var (identifier, collection, outputs))
            {
                Add(IssueKind.WrongShape, path, value,
                    $"{key} takes [identifier, collection, {{output key: output value}}]; CloudFormation rejects the template (AWS::LanguageExtensions cannot expand it)");
                return;
            }

            if (collection is not (SequenceNode or MappingNode { IntrinsicName: not null }))
            {
                Add(IssueKind.WrongShape, path.Child(1), collection,
                    $"{key} takes a list as its collection, or a function that returns one (a Ref to a CommaDelimitedList parameter, Fn::FindInMap); CloudFormation rejects the template");
                return;
            }

            Visit(collection, path.Child(1));
            var saved = scope;
            var loop = new Loop(identifier.Value, Values(collection, saved), saved);
            scope = loop;
            List<Loop> loops = [.. keyLoops, loop];
            foreach (var (outputKey, outputValue) in outputs.Entries)
            {
                var at = path.Child(2).Child(outputKey);
                if (IsLoop(outputKey))
                {
                    ForEach(outputKey, outputValue, at, loops, output);
                    continue;
                }

                foreach (var same in loops.Where(l => MakesSameKey(outputKey, l, loops)))
                {
                    Add(IssueKind.WrongShape, at, new ScalarNode(outputKey, ScalarKind.String, outputs.KeyLine(outputKey)),
                        $"the output key '{Excerpt.Of(outputKey)}' does not use ${{{same.Identifier}}} or &{{{same.Identifier}}}, so the items of that loop's collection make the same key; CloudFormation rejects the template");
                }

                output(outputKey, outputValue, at);
            }

            scope = saved;
        }

        /// <summary>
        /// Whether two items of <paramref name="loop"/>'s spelled-out collection surely make <paramref name="key"/> the
        /// same: the key uses neither its identifier nor that of an inner loop whose items are known only later (they
        /// may be made from it).
        /// </summary>
        private static bool MakesSameKey(string key, Loop loop, List<Loop> loops) =>
            loop.Values is { } items && items.Distinct(StringComparer.Ordinal).Count() > 1 && !Uses(key, loop.Identifier)
            && !loops.SkipWhile(l => !ReferenceEquals(l, loop)).Skip(1).Any(inner => inner.Values is null && Uses(key, inner.Identifier));

        private static bool Uses(string text, string identifier) =>
            text.Contains($"${{{identifier}}}", StringComparison.Ordinal) || text.Contains($"&{{{identifier}}}", StringComparison.Ordinal);

        private void Add(IssueKind kind, Path path, Node node, string message)
        {
            var at = path.ToString();
            // A name built from a loop's identifier is checked once per item; items that fail alike are one finding.
            if (reported.Add((kind, logicalId, at, message)))
            {
                issues.Add(new Issue(kind, logicalId, at, node, message));
            }
        }

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
                        if (extensions && IsLoop(key))
                        {
                            ForEach(key, value, path.Child(key), [], (_, output, at) => Visit(output, at));
                        }
                        else
                        {
                            Visit(value, path.Child(key));
                        }
                    }

                    break;
            }
        }

        /// <summary>
        /// The function a single-key mapping calls, if it calls one. `Condition` is a function only in the Conditions
        /// section (elsewhere a one-key mapping with that key is data, such as a policy statement's condition block);
        /// an Fn::ForEach loop is a key that makes keys.
        /// </summary>
        private string? Intrinsic(MappingNode mapping) => mapping.IntrinsicName switch
        {
            "Condition" => section == Section.Conditions ? "Condition" : null,
            { } name when extensions && IsLoop(name) => null,
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
                    FindInMap(argument, path);
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
                case "Fn::Length" when extensions:
                    Expect(argument, path, name, "its argument", list: true);
                    break;
                case "Fn::ToJsonString" when extensions:
                    Expect(argument, path, name, "its argument", list: true, mapping: true);
                    break;
                default:
                    if (!Functions.Contains(name) && !(section == Section.Rules && RuleFunctions.Contains(name)))
                    {
                        var hint = LanguageExtensionFunctions.Contains(name)
                            ? $" without `Transform: {Template.LanguageExtensionsTransform}`"
                            : "";
                        Add(IssueKind.WrongShape, path, call,
                            $"{Excerpt.Of(name)} is not a function CloudFormation knows{hint}; it rejects the template (\"Encountered unsupported function: {Excerpt.Of(name)}\")");
                        return;
                    }

                    break;
            }

            Visit(argument, path);
        }

        private void Ref(Node argument, Path path)
        {
            if (argument is ScalarNode { Kind: ScalarKind.String, Value.Length: > 0 } target)
            {
                Name(target.Value, target, path, "Ref", attribute: false);
                return;
            }

            if (extensions && argument is MappingNode { IntrinsicName: not null } function)
            {
                // AWS::LanguageExtensions resolves a function here, such as !Sub 'Queue${Id}' in a loop.
                NameFrom(function, path, "Ref", attribute: false);
                Visit(function, path);
                return;
            }

            Add(IssueKind.WrongShape, path, argument,
                "Ref takes the name of a parameter or resource as a plain string; CloudFormation rejects the template (\"Every Ref object must have a single String value\")");
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
                case SequenceNode { Items.Count: 2 } pair when extensions && pair.Items[0] is MappingNode { IntrinsicName: not null } function
                    && pair.Items[1] is ScalarNode { Kind: ScalarKind.String } or MappingNode { IntrinsicName: not null }:
                    NameFrom(function, path.Child(0), "Fn::GetAtt", attribute: true);
                    return;
                case MappingNode { IntrinsicName: not null } when extensions:
                    return; // [logical ID, attribute] from a function, such as Fn::FindInMap
                default:
                    Add(IssueKind.WrongShape, path, argument,
                        "Fn::GetAtt takes [logical ID, attribute name] (or `LogicalId.Attribute` in YAML's short form); CloudFormation rejects the template (\"Template error: every Fn::GetAtt object requires two non-empty parameters\")");
                    return;
            }
        }

        /// <summary>
        /// A name AWS::LanguageExtensions makes from a function before CloudFormation reads it: an Fn::Sub whose
        /// variables are all loop identifiers, or a Ref to an identifier. Any other function's value is not known here.
        /// </summary>
        private void NameFrom(MappingNode function, Path path, string what, bool attribute)
        {
            var name = function.Entries[0] switch
            {
                { Key: "Fn::Sub", Value: ScalarNode { Kind: ScalarKind.String } text }
                    when SubText.Placeholders(text.Value).All(p => scope?.Find(p.Name) is not null) => text.Value,
                { Key: "Ref", Value: ScalarNode { Kind: ScalarKind.String } identifier } when scope?.Find(identifier.Value) is not null => $"${{{identifier.Value}}}",
                _ => null,
            };
            if (name is not null)
            {
                Name(name, function, path, what, attribute);
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

            // In a loop, AWS::LanguageExtensions puts each item in for ${Identifier} before CloudFormation reads the rest.
            foreach (var expanded in Loop.Expand(text.Value, scope))
            {
                foreach (var placeholder in SubText.Placeholders(expanded))
                {
                    var variable = placeholder.Name;
                    if (placeholder.IsLiteral || variables?[variable] is not null)
                    {
                        continue; // ${!Literal} is written as ${Literal}; a variable of the mapping is defined there
                    }

                    var dot = variable.IndexOf('.', StringComparison.Ordinal);
                    Name(dot > 0 ? variable[..dot] : variable, text, path, "Fn::Sub", attribute: dot > 0, shown: variable);
                }
            }
        }

        private void FindInMap(Node argument, Path path)
        {
            var shape = extensions
                ? "[map name, top-level key, second-level key], and optionally { DefaultValue: value }"
                : "[map name, top-level key, second-level key]";
            if (Arguments(argument, path, "Fn::FindInMap", 3, extensions ? 4 : 3, shape) is not { } arguments)
            {
                return;
            }

            if (arguments[0] is ScalarNode { Kind: ScalarKind.String } map && mappings?[map.Value] is null)
            {
                Add(IssueKind.Unresolved, path.Child(0), map,
                    $"Fn::FindInMap names the mapping '{Excerpt.Of(map.Value)}', which the template's Mappings does not define; CloudFormation rejects the template");
            }

            if (arguments.Count == 4 && !(arguments[3] is MappingNode { Count: 1 } fallback && fallback["DefaultValue"] is not null))
            {
                Add(IssueKind.WrongShape, path.Child(3), arguments[3],
                    "Fn::FindInMap takes as its fourth item { DefaultValue: value }, the value when a key is not in the mapping; CloudFormation rejects the template");
            }
        }

        /// <summary>Checks that <paramref name="name"/> is defined where it is used; reports PF014 when it is not.</summary>
        private void Name(string name, Node node, Path path, string function, bool attribute, string? shown = null)
        {
            if (!attribute && scope?.Find(name) is not null)
            {
                return; // a loop's identifier: AWS::LanguageExtensions puts the item in
            }

            foreach (var candidate in Loop.Expand(name, scope))
            {
                var (written, quoted) = Quote(candidate, name);
                Defined(candidate, written, quoted, node, path, function, attribute, shown);
            }
        }

        /// <summary>
        /// How a finding names <paramref name="candidate"/>, which a loop's item may have made from <paramref name="name"/>:
        /// as made, or as written where part of it is known only at deploy time.
        /// </summary>
        private static (string Written, string Quoted) Quote(string candidate, string name)
        {
            if (candidate.Contains(Names.Unknown, StringComparison.Ordinal) || candidate == name)
            {
                var written = name.Replace(Names.Unknown.ToString(), "…", StringComparison.Ordinal);
                return (written, $"'{Excerpt.Of(written)}'");
            }

            return (candidate, $"'{Excerpt.Of(candidate)}' (made from '{Excerpt.Of(name)}')");
        }

        /// <param name="name">The name, with <see cref="Names.Unknown"/> where a value known only at deploy time goes.</param>
        /// <param name="written">The name to show.</param>
        /// <param name="quoted">The name as the finding quotes it, with what a loop made it from.</param>
        private void Defined(string name, string written, string quoted, Node node, Path path, string function, bool attribute, string? shown)
        {
            var what = shown is null
                ? $"{function} to {quoted}"
                : $"{function} uses ${{{Excerpt.Of(shown.Replace(Names.Unknown.ToString(), "…", StringComparison.Ordinal))}}}";
            if (written.StartsWith("AWS::", StringComparison.Ordinal))
            {
                if (attribute || !PseudoParameters.Contains(name))
                {
                    Add(IssueKind.Unresolved, path, node,
                        $"{what}: '{Excerpt.Of(written)}' is not a pseudo parameter (they are {string.Join(", ", PseudoParameters.Order(StringComparer.Ordinal))}); {Unresolved(written)}");
                }

                return;
            }

            var isResource = IsResource(name);
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
                    $"{what}, which is not {defined} of this template{NotMade}; {Unresolved(written)}");
            }
        }

        private void DependsOn(Node? node, Path attribute)
        {
            var names = node switch
            {
                ScalarNode scalar => [scalar],
                SequenceNode list => list.Items,
                null => [],
                _ => [node],
            };
            for (var i = 0; i < names.Count; i++)
            {
                var path = node is SequenceNode ? attribute.Child(i) : attribute;
                if (names[i] is not ScalarNode { Kind: ScalarKind.String } name)
                {
                    Add(IssueKind.WrongShape, path, names[i], "DependsOn takes a logical ID or a list of them; CloudFormation rejects the template");
                    continue;
                }

                foreach (var candidate in Loop.Expand(name.Value, scope).Where(c => !IsResource(c)))
                {
                    Add(IssueKind.Unresolved, path, name,
                        $"DependsOn names {Quote(candidate, name.Value).Quoted}, which is not a resource of this template{NotMade}; {Unresolved(name.Value)}");
                }
            }
        }

        private void ConditionName(Node? node, Path path, string where)
        {
            switch (node)
            {
                case null:
                    return;
                case ScalarNode { Kind: ScalarKind.String } name:
                    foreach (var candidate in Loop.Expand(name.Value, scope).Where(c => !IsCondition(c)))
                    {
                        Add(IssueKind.Unresolved, path, name,
                            $"{where} names the condition {Quote(candidate, name.Value).Quoted}, which the template's Conditions does not define; CloudFormation rejects the template (\"Template format error: Unresolved dependencies [{Excerpt.Of(name.Value)}]\")");
                    }

                    return;
                case MappingNode { IntrinsicName: "Fn::Sub", Entries: [{ Value: ScalarNode { Kind: ScalarKind.String } text }] } when extensions
                    && SubText.Placeholders(text.Value).All(p => scope?.Find(p.Name) is not null):
                    // In a loop, !Sub 'IsEnabled${Id}' becomes a condition's name before CloudFormation reads it.
                    ConditionName(text, path, where);
                    return;
                case MappingNode { IntrinsicName: not null } function when extensions:
                    Visit(function, path); // another function's value is not known here
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
                _ => $"the scalar '{Excerpt.Of(argument.ToString() ?? string.Empty)}'",
            };
            Add(IssueKind.WrongShape, path, argument, $"{function} takes {shape}, not {got}; CloudFormation rejects the template");
            return null;
        }

        /// <summary>An argument that must be a scalar, a list or a mapping (as allowed), or else come from another function.</summary>
        private void Expect(Node argument, Path path, string function, string what, bool scalar = false, bool list = false, bool mapping = false)
        {
            var fits = argument switch
            {
                ScalarNode => scalar,
                SequenceNode => list,
                MappingNode map => map.IntrinsicName is not null || mapping,
                _ => true,
            };
            if (!fits)
            {
                var wanted = scalar ? "a string" : mapping ? "a list or a mapping" : "a list";
                var got = argument switch { SequenceNode => "a list", MappingNode => "a mapping", _ => "a scalar" };
                Add(IssueKind.WrongShape, path, argument, $"{function} takes {wanted} as {what} (or a function that returns one), not {got}; CloudFormation rejects the template");
            }
        }
    }
}
