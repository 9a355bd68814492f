using System.Text;
using Payments.Preflight.Model;

namespace Payments.Preflight.Engine;

/// <summary>
/// Resolves intrinsic functions where the template alone decides the value. Anything else is unknown
/// (null) so that rules can skip it: a rule never reports what it cannot see.
/// </summary>
internal sealed class Resolver
{
    /// <summary>
    /// The longest value a resolver builds (characters); a longer one is unknown. CloudFormation reads templates of at
    /// most 1 MB, and what real templates build from them (names, ARNs, policies, inline code, state machine
    /// definitions) is far shorter. Longer values come from functions nested to multiply text (Fn::Sub of Fn::Sub…,
    /// Fn::Join with a huge delimiter), whose values would take gigabytes to spell out and no deploy could use.
    /// </summary>
    public const int MaxLength = 1 << 20;

    /// <summary>
    /// What one resolution may do in all: characters copied, intermediate values included, plus one per node visited.
    /// A value can stay short while each of many parts builds a long one on the way (a long Fn::FindInMap key), or
    /// while functions nested many deep visit the same nodes again and again (shared YAML anchors).
    /// </summary>
    public const long MaxWork = 8L * MaxLength;

    private readonly Template template;
    private readonly bool useParameterDefaults;

    // The work of the current call of String so far (see MaxWork); a resolver serves one template's rules, one at a time.
    private long work;

    public Resolver(Template template, bool useParameterDefaults)
    {
        this.template = template;
        this.useParameterDefaults = useParameterDefaults;
    }

    /// <summary>The value of <paramref name="node"/> as a string, or null when the template alone does not decide it.</summary>
    public string? String(Node? node)
    {
        work = 0;
        return Value(node, 0);
    }

    private string? Value(Node? node, int depth)
    {
        if (node is null || depth > 32 || ++work > MaxWork)
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

    public long? Integer(Node? node) => ParseInteger(String(node));

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

        // Each variable is resolved once however often the string uses it: Fn::Sub nested n deep, each using its
        // variable twice, would otherwise resolve the innermost one 2^n times.
        Dictionary<string, string?>? known = null;
        var builder = new StringBuilder();
        var position = 0;
        foreach (var placeholder in SubText.Placeholders(text))
        {
            if (!Append(builder, text.AsSpan(position, placeholder.Start - position)))
            {
                return null;
            }

            string? value;
            if (placeholder.IsLiteral)
            {
                value = $"${{{placeholder.Name[1..]}}}";
            }
            else if (known is null || !known.TryGetValue(placeholder.Name, out value))
            {
                var name = placeholder.Name;
                value = variables?[name] is { } variable ? Value(variable, depth + 1) : name.Contains('.', StringComparison.Ordinal) ? null : RefValue(name);
                (known ??= new(StringComparer.Ordinal))[name] = value;
            }

            if (value is null || !Append(builder, value))
            {
                return null;
            }

            position = placeholder.End;
        }

        return Append(builder, text.AsSpan(position)) ? builder.ToString() : null;
    }

    private string? Join(Node argument, int depth)
    {
        if (argument is not SequenceNode { Items.Count: 2 } sequence || sequence.Items[0] is not ScalarNode delimiter || sequence.Items[1] is not SequenceNode parts)
        {
            return null;
        }

        var builder = new StringBuilder();
        for (var i = 0; i < parts.Items.Count; i++)
        {
            if (Value(parts.Items[i], depth + 1) is not { } value
                || (i > 0 && !Append(builder, delimiter.Value))
                || !Append(builder, value))
            {
                return null;
            }
        }

        return builder.ToString();
    }

    /// <summary>Appends unless the value would grow past <see cref="MaxLength"/> or the call past <see cref="MaxWork"/>: then it is unknown.</summary>
    private bool Append(StringBuilder builder, ReadOnlySpan<char> text)
    {
        work += text.Length;
        if (builder.Length + text.Length > MaxLength || work > MaxWork)
        {
            return false;
        }

        builder.Append(text);
        return true;
    }

    private string? Select(Node argument, int depth)
    {
        if (argument is not SequenceNode { Items.Count: 2 } sequence || ParseInteger(Value(sequence.Items[0], depth + 1)) is not { } index || sequence.Items[1] is not SequenceNode list)
        {
            return null;
        }

        return index >= 0 && index < list.Items.Count ? Value(list.Items[(int)index], depth + 1) : null;
    }

    private string? FindInMap(Node argument, int depth)
    {
        if (argument is not SequenceNode { Items.Count: >= 3 } keys
            || Value(keys.Items[0], depth + 1) is not { } mapName
            || Value(keys.Items[1], depth + 1) is not { } topKey
            || Value(keys.Items[2], depth + 1) is not { } secondKey)
        {
            return null;
        }

        var value = ((template.Root["Mappings"] as MappingNode)?[mapName] as MappingNode)?[topKey] is MappingNode top ? top[secondKey] : null;
        return value is ScalarNode ? Value(value, depth + 1) : null;
    }

    private static long? ParseInteger(string? text) =>
        long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
}
