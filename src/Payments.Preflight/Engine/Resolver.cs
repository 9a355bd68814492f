using System.Text;
using Payments.Preflight.Model;

namespace Payments.Preflight.Engine;

/// <summary>
/// Resolves intrinsic functions where the template alone decides the value. Anything else is unknown
/// (null) so that rules can skip it: a rule never reports what it cannot see.
/// </summary>
internal sealed class Resolver
{
    private readonly Template template;
    private readonly bool useParameterDefaults;

    public Resolver(Template template, bool useParameterDefaults)
    {
        this.template = template;
        this.useParameterDefaults = useParameterDefaults;
    }

    public string? String(Node? node, int depth = 0)
    {
        if (node is null || depth > 32)
        {
            return null;
        }

        switch (node)
        {
            case ScalarNode { Kind: ScalarKind.Null }:
                return null;
            case ScalarNode scalar:
                return scalar.Value;
            case MappingNode map when map.IntrinsicName is { } function:
                var argument = map.Entries[0].Value;
                return function switch
                {
                    "Ref" => RefValue((argument as ScalarNode)?.Value),
                    "Fn::Sub" => Sub(argument, depth),
                    "Fn::Join" => Join(argument, depth),
                    "Fn::Select" => Select(argument, depth),
                    "Fn::FindInMap" => FindInMap(argument, depth),
                    _ => null,
                };
            default:
                return null;
        }
    }

    public bool? Boolean(Node? node) => String(node)?.ToUpperInvariant() switch
    {
        "TRUE" => true,
        "FALSE" => false,
        _ => null,
    };

    public long? Integer(Node? node) =>
        long.TryParse(String(node), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>Items of a list; an unresolvable list gives none (unknown).</summary>
    public static IReadOnlyList<Node> Items(Node? node) => node is SequenceNode sequence ? sequence.Items : [];

    /// <summary>The logical ID of the template resource a value points at (Ref, GetAtt, "${X}", "${X.Arn}").</summary>
    public string? ResourceTarget(Node? node)
    {
        if (node is not MappingNode map || map.IntrinsicName is not { } function)
        {
            return null;
        }

        var argument = map.Entries[0].Value;
        string? target = function switch
        {
            "Ref" => (argument as ScalarNode)?.Value,
            "Fn::GetAtt" => argument switch
            {
                SequenceNode { Items.Count: >= 1 } sequence => (sequence.Items[0] as ScalarNode)?.Value,
                ScalarNode scalar => scalar.Value.Split('.')[0],
                _ => null,
            },
            "Fn::Sub" when argument is ScalarNode text && text.Value.StartsWith("${", StringComparison.Ordinal) && text.Value.EndsWith('}') && text.Value.IndexOf('}', StringComparison.Ordinal) == text.Value.Length - 1
                => text.Value[2..^1].Split('.')[0],
            _ => null,
        };
        return target is not null && template.Resources.ContainsKey(target) ? target : null;
    }

    public Resource? ResourceOf(Node? node) => ResourceTarget(node) is { } id ? template.Resources[id] : null;

    private string? RefValue(string? name)
    {
        switch (name)
        {
            case null:
                return null;
            case "AWS::Partition":
                return "aws";
            case "AWS::URLSuffix":
                return "amazonaws.com";
            case "AWS::NoValue":
                return null;
        }

        if (useParameterDefaults && template.Parameters?[name] is MappingNode parameter && parameter["Default"] is ScalarNode { Kind: not ScalarKind.Null } value)
        {
            return value.Value;
        }

        return null;
    }

    private string? Sub(Node argument, int depth)
    {
        string? text;
        MappingNode? variables = null;
        switch (argument)
        {
            case ScalarNode scalar:
                text = scalar.Value;
                break;
            case SequenceNode { Items.Count: 2 } sequence when sequence.Items[0] is ScalarNode scalar:
                text = scalar.Value;
                variables = sequence.Items[1] as MappingNode;
                break;
            default:
                return null;
        }

        var builder = new StringBuilder();
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf("${", position, StringComparison.Ordinal);
            if (open < 0)
            {
                builder.Append(text, position, text.Length - position);
                break;
            }

            builder.Append(text, position, open - position);
            var close = text.IndexOf('}', open);
            if (close < 0)
            {
                builder.Append(text, open, text.Length - open);
                break;
            }

            var name = text[(open + 2)..close];
            if (name.StartsWith('!'))
            {
                builder.Append("${").Append(name[1..]).Append('}');
            }
            else
            {
                var value = variables?[name] is { } variable ? String(variable, depth + 1) : name.Contains('.', StringComparison.Ordinal) ? null : RefValue(name);
                if (value is null)
                {
                    return null;
                }

                builder.Append(value);
            }

            position = close + 1;
        }

        return builder.ToString();
    }

    private string? Join(Node argument, int depth)
    {
        if (argument is not SequenceNode { Items.Count: 2 } sequence || sequence.Items[0] is not ScalarNode delimiter || sequence.Items[1] is not SequenceNode parts)
        {
            return null;
        }

        var values = new List<string>(parts.Items.Count);
        foreach (var part in parts.Items)
        {
            if (String(part, depth + 1) is not { } value)
            {
                return null;
            }

            values.Add(value);
        }

        return string.Join(delimiter.Value, values);
    }

    private string? Select(Node argument, int depth)
    {
        if (argument is not SequenceNode { Items.Count: 2 } sequence || Integer(sequence.Items[0]) is not { } index || sequence.Items[1] is not SequenceNode list)
        {
            return null;
        }

        return index >= 0 && index < list.Items.Count ? String(list.Items[(int)index], depth + 1) : null;
    }

    private string? FindInMap(Node argument, int depth)
    {
        if (argument is not SequenceNode { Items.Count: >= 3 } keys
            || String(keys.Items[0], depth + 1) is not { } mapName
            || String(keys.Items[1], depth + 1) is not { } topKey
            || String(keys.Items[2], depth + 1) is not { } secondKey)
        {
            return null;
        }

        var value = ((template.Root["Mappings"] as MappingNode)?[mapName] as MappingNode)?[topKey] is MappingNode top ? top[secondKey] : null;
        return value is ScalarNode ? String(value, depth + 1) : null;
    }
}
