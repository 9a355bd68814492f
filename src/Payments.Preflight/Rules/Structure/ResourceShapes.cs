using System.Runtime.CompilerServices;
using Payments.Preflight.Data;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Structure;

internal enum ShapeIssueKind { WrongShape, UnknownProperty, MissingRequired, ValueNotAllowed, UnknownType }

/// <summary>One place where a resource's properties disagree with its provider schema.</summary>
/// <param name="Path">Relative to the resource, e.g. "Properties/Actions/0/Name"; null for the resource itself.</param>
internal sealed record ShapeIssue(ShapeIssueKind Kind, Resource Resource, string? Path, Node Node, string Message);

/// <summary>
/// Compares every resource's properties with the CloudFormation resource provider schema of its type (Data/ResourceSchemas)
/// once per template; the shape rules (PF003, PF010–PF013) each report their kind of <see cref="ShapeIssue"/>.
/// What is not judged: values that are intrinsic functions (Fn::If branches are), custom resources' properties,
/// nested-stack parameters, AWS::Serverless::* under the SAM transform, what an Fn::ForEach over a collection known only
/// at deploy time makes under AWS::LanguageExtensions, and every resource of a template with another transform
/// (macros, AWS::Include and the Secrets Manager transform change shapes before CloudFormation checks them).
/// </summary>
internal static class ResourceShapes
{
    private const int MaxDepth = 40;

    private static readonly ConditionalWeakTable<Template, List<ShapeIssue>> Cache = [];

    /// <summary>Free-form by design: CloudFormation passes them on without a schema of their own.</summary>
    private static readonly HashSet<(string Type, string Property)> FreeForm = [("AWS::CloudFormation::Stack", "Parameters")];

    /// <summary>Enums a dedicated rule already checks with better advice (PF402 quotes the allowed retention periods).</summary>
    private static readonly HashSet<(string Type, string Property)> EnumsCheckedElsewhere = [("AWS::Logs::LogGroup", "RetentionInDays")];

    public static IReadOnlyList<ShapeIssue> Issues(Template template) => Cache.GetValue(template, Compute);

    private static List<ShapeIssue> Compute(Template template)
    {
        var issues = new List<ShapeIssue>();
        if (!template.OnlyDocumentedTransforms)
        {
            return issues;
        }

        var sam = template.Transforms.Contains(Template.SamTransform);
        foreach (var resource in template.Resources.Values)
        {
            var type = resource.Type;
            if (type.StartsWith("Custom::", StringComparison.Ordinal) || type == "AWS::CloudFormation::CustomResource"
                || (sam && type.StartsWith("AWS::Serverless::", StringComparison.Ordinal)))
            {
                continue;
            }

            if (ResourceSchemas.Find(type) is not { } schema)
            {
                if (!CfnLintIgnores(template.Root, resource.Body).Contains(ShapeIssueKind.UnknownType))
                {
                    UnknownType(issues, resource, sam);
                }

                continue;
            }

            var walker = new Walker(schema, resource, issues, CfnLintIgnores(template.Root, resource.Body));
            switch (resource.Body["Properties"])
            {
                case null or ScalarNode { Kind: ScalarKind.Null }:
                    walker.Missing(schema.Root, resource.Body, null, "Properties");
                    break;
                case MappingNode { IntrinsicName: null } properties:
                    walker.Object(schema.Root, properties, "Properties", 0);
                    break;
            }
        }

        return issues;
    }

    /// <summary>cfn-lint's counterpart of each kind: a template that tells cfn-lint to ignore it (Metadata cfn-lint
    /// config ignore_checks, e.g. for a property newer than the schemas) has told preflight too.</summary>
    private static readonly Dictionary<ShapeIssueKind, string> CfnLintRules = new()
    {
        [ShapeIssueKind.WrongShape] = "E3012",
        [ShapeIssueKind.UnknownProperty] = "E3002",
        [ShapeIssueKind.MissingRequired] = "E3003",
        [ShapeIssueKind.ValueNotAllowed] = "E3030",
        [ShapeIssueKind.UnknownType] = "E3006",
    };

    private static HashSet<ShapeIssueKind> CfnLintIgnores(MappingNode root, MappingNode body)
    {
        var ignored = new HashSet<ShapeIssueKind>();
        foreach (var metadata in new[] { root["Metadata"], body["Metadata"] })
        {
            if (metadata is MappingNode { } map && map["cfn-lint"] is MappingNode cfnLint && cfnLint["config"] is MappingNode config
                && config["ignore_checks"] is SequenceNode checks)
            {
                foreach (var check in checks.Items.OfType<ScalarNode>())
                {
                    // cfn-lint matches rule IDs by prefix ("E3" ignores every E3xxx rule).
                    ignored.UnionWith(CfnLintRules.Where(r => check.Value.Length > 0 && r.Value.StartsWith(check.Value, StringComparison.Ordinal)).Select(r => r.Key));
                }
            }
        }

        return ignored;
    }

    private static void UnknownType(List<ShapeIssue> issues, Resource resource, bool sam)
    {
        var type = resource.Type;
        var typeNode = resource.Body["Type"] ?? resource.Body;

        // Third-party and private registry types (and modules) are registered per account: the public data cannot know them.
        if (!(type.StartsWith("AWS::", StringComparison.Ordinal) || type.StartsWith("Alexa::", StringComparison.Ordinal)) || type.EndsWith("::MODULE", StringComparison.Ordinal))
        {
            return;
        }

        var message = type.StartsWith("AWS::Serverless::", StringComparison.Ordinal) && !sam
            ? $"{Excerpt.Of(type)} ({resource.LogicalId}) exists only under `Transform: {Template.SamTransform}`; without it CloudFormation rejects the template (\"Unrecognized resource types\")."
            : $"{Excerpt.Of(type)} ({resource.LogicalId}) is not a resource type in the CloudFormation schemas of {ResourceSchemas.Retrieved}; CloudFormation rejects unknown types (\"Unrecognized resource types\"). Check the spelling; a type released after that date is fine.";
        issues.Add(new ShapeIssue(ShapeIssueKind.UnknownType, resource, "Type", typeNode, message));
    }

    private sealed class Walker(ResourceSchema schema, Resource resource, List<ShapeIssue> issues, HashSet<ShapeIssueKind> ignored)
    {
        public void Object(Shape shape, MappingNode map, string path, int depth)
        {
            // Keys such as Fn::Transform (AWS::Include) next to other keys, or a pre-processor's directive (Rain::Embed):
            // the object is rewritten before CloudFormation validates it.
            if (map.Entries.Any(e => e.Key.StartsWith("Fn::", StringComparison.Ordinal) || e.Key == "Ref" || e.Key.StartsWith("Rain::", StringComparison.Ordinal)))
            {
                return;
            }

            Missing(shape, map, map, path);
            foreach (var (key, value) in map.Entries)
            {
                var valuePath = $"{path}/{key}";
                if (shape.Properties is not null && shape.Properties.TryGetValue(key, out var property))
                {
                    if (depth == 0 && FreeForm.Contains((resource.Type, key)))
                    {
                        continue;
                    }

                    Value(property, value, valuePath, depth + 1);
                }
                else if (shape.Closed)
                {
                    var known = shape.Properties?.Keys ?? Enumerable.Empty<string>();
                    var suggestion = Closest(key, known) is { } near ? $" Did you mean {near}?" : $" Known: {string.Join(", ", known.Take(12))}{(known.Count() > 12 ? ", …" : "")}.";
                    Add(ShapeIssueKind.UnknownProperty, valuePath, value,
                        $"{Display(valuePath)} is not a property of {resource.Type} here in the schemas of {ResourceSchemas.Retrieved}; CloudFormation rejects the template (\"extraneous key [{Excerpt.Of(key)}] is not permitted\").{suggestion}");
                }
            }
        }

        /// <summary>Required keys absent from <paramref name="map"/> (null: no Properties at all).</summary>
        public void Missing(Shape shape, Node at, MappingNode? map, string path)
        {
            foreach (var name in shape.Required)
            {
                if (map?[name] is null)
                {
                    var where = path == "Properties" ? $"{resource.LogicalId}" : $"{Display(path)} of {resource.LogicalId}";
                    Add(ShapeIssueKind.MissingRequired, map is null ? null : path, at,
                        $"{where} ({resource.Type}) has no {name}, which the resource schema requires; CloudFormation rejects the template (\"required key [{name}] not found\").");
                }
            }
        }

        private void Value(Shape declared, Node node, string path, int depth)
        {
            if (depth > MaxDepth)
            {
                return;
            }

            var shape = schema.Resolve(declared);
            switch (node)
            {
                case MappingNode { IntrinsicName: "Fn::If" } condition when condition["Fn::If"] is SequenceNode { Items.Count: 3 } branches:
                    // Either branch can be the value: each must fit (a Ref to AWS::NoValue removes the property).
                    Value(shape, branches.Items[1], path, depth);
                    Value(shape, branches.Items[2], path, depth);
                    return;
                case MappingNode { IntrinsicName: not null }:
                case ScalarNode { Kind: ScalarKind.Null }:
                    return;
                case MappingNode map when map.Entries.Any(e => e.Key.StartsWith("Rain::", StringComparison.Ordinal)):
                    return;
                case MappingNode map:
                    if (shape.Types != ShapeTypes.Any && !shape.Types.HasFlag(ShapeTypes.Object))
                    {
                        WrongShape(shape, node, path, "a mapping");
                        return;
                    }

                    Object(shape, map, path, depth);
                    return;
                case SequenceNode list:
                    if (shape.Types != ShapeTypes.Any && !shape.Types.HasFlag(ShapeTypes.Array))
                    {
                        WrongShape(shape, node, path, "a list");
                        return;
                    }

                    if (shape.Items is { } items)
                    {
                        for (var i = 0; i < list.Items.Count; i++)
                        {
                            Value(items, list.Items[i], $"{path}/{i}", depth + 1);
                        }
                    }

                    return;
                case ScalarNode scalar:
                    Scalar(shape, scalar, path);
                    return;
            }
        }

        private void Scalar(Shape shape, ScalarNode scalar, string path)
        {
            const ShapeTypes scalars = ShapeTypes.String | ShapeTypes.Integer | ShapeTypes.Number | ShapeTypes.Boolean;
            if (shape.Types != ShapeTypes.Any && (shape.Types & scalars) == 0)
            {
                WrongShape(shape, scalar, path, $"the scalar '{Clip(scalar.Value)}'");
                return;
            }

            // CloudFormation converts scalars: any scalar is a string, "5" an integer, "true" a boolean.
            if (shape.Types != ShapeTypes.Any && !shape.Types.HasFlag(ShapeTypes.String) && !Converts(scalar, shape.Types))
            {
                WrongShape(shape, scalar, path, $"'{Clip(scalar.Value)}'");
                return;
            }

            if (shape.Enum is { } allowed && !EnumsCheckedElsewhere.Contains((resource.Type, path["Properties/".Length..]))
                && !allowed.Contains(scalar.Value, shape.EnumIgnoresCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal)
                && !(scalar.AsNumber() is { } number && allowed.Any(a => double.TryParse(a, System.Globalization.CultureInfo.InvariantCulture, out var v) && v == number)))
            {
                Add(ShapeIssueKind.ValueNotAllowed, path, scalar,
                    $"'{Clip(scalar.Value)}' is not one of the values the {resource.Type} schema of {ResourceSchemas.Retrieved} allows for {Display(path)}: {string.Join(", ", allowed.Take(15))}{(allowed.Count > 15 ? ", …" : "")}. AWS adds values over time; if this one is new, the data is behind.");
            }
        }

        private static bool Converts(ScalarNode scalar, ShapeTypes types) =>
            (types.HasFlag(ShapeTypes.Integer) || types.HasFlag(ShapeTypes.Number)) && scalar.Kind != ScalarKind.Boolean && scalar.AsNumber() is not null
            || types.HasFlag(ShapeTypes.Boolean) && scalar.Value.ToUpperInvariant() is "TRUE" or "FALSE" or "YES" or "NO" or "ON" or "OFF";

        private void WrongShape(Shape shape, Node node, string path, string actual) =>
            Add(ShapeIssueKind.WrongShape, path, node,
                $"{Display(path)} of {resource.LogicalId} ({resource.Type}) must be {Expected(shape.Types)}, not {actual}; CloudFormation rejects the template (resource schema type: {Expected(shape.Types)}).");

        private void Add(ShapeIssueKind kind, string? path, Node node, string message)
        {
            if (!ignored.Contains(kind))
            {
                issues.Add(new ShapeIssue(kind, resource, path, node, message));
            }
        }
    }

    private static string Display(string path) => Excerpt.Of(path.StartsWith("Properties/", StringComparison.Ordinal) ? path["Properties/".Length..] : path);

    private static string Clip(string value) => Excerpt.Of(value, 40);

    private static string Expected(ShapeTypes types)
    {
        var names = new List<string>();
        if (types.HasFlag(ShapeTypes.Object)) { names.Add("a mapping"); }
        if (types.HasFlag(ShapeTypes.Array)) { names.Add("a list"); }
        if (types.HasFlag(ShapeTypes.String)) { names.Add("a string"); }
        if (types.HasFlag(ShapeTypes.Integer) && !types.HasFlag(ShapeTypes.Number)) { names.Add("an integer"); }
        if (types.HasFlag(ShapeTypes.Number)) { names.Add("a number"); }
        if (types.HasFlag(ShapeTypes.Boolean)) { names.Add("a boolean"); }
        return string.Join(" or ", names);
    }

    /// <summary>A known name the key is probably a typo of: same letters ignoring case, or at most two edits away.</summary>
    private static string? Closest(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in known)
        {
            var distance = string.Equals(name, key, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(key.ToUpperInvariant(), name.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }
        }

        return bestDistance <= Math.Min(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2)
        {
            return int.MaxValue;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
