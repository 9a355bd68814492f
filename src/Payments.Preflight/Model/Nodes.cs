namespace Payments.Preflight.Model;

/// <summary>A node of a parsed template, JSON or YAML, with the 1-based line where it starts.</summary>
internal abstract class Node
{
    protected Node(int line) => Line = line;

    public int Line { get; }
}

internal enum ScalarKind { String, Number, Boolean, Null }

internal sealed class ScalarNode : Node
{
    public ScalarNode(string value, ScalarKind kind, int line) : base(line)
    {
        Value = value;
        Kind = kind;
    }

    public string Value { get; }

    public ScalarKind Kind { get; }

    public bool? AsBoolean() => Value.ToUpperInvariant() switch
    {
        "TRUE" => true,
        "FALSE" => false,
        _ => null,
    };

    public long? AsInteger() => long.TryParse(Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : null;

    public double? AsNumber() => double.TryParse(Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : null;

    public override string ToString() => Value;
}

internal sealed class SequenceNode : Node
{
    public SequenceNode(IReadOnlyList<Node> items, int line) : base(line) => Items = items;

    public IReadOnlyList<Node> Items { get; }
}

/// <summary>A key repeated in one mapping: CloudFormation keeps the value at <paramref name="Line"/> and ignores the one at <paramref name="FirstLine"/>.</summary>
internal sealed record DuplicateKey(string Key, int FirstLine, int Line);

internal sealed class MappingNode : Node
{
    private readonly KeyValuePair<string, Node>[] entries;
    // The line of each entry's key, by entry index: most mappings are small, so no per-mapping dictionary.
    private readonly int[] keyLines;

    public MappingNode(KeyValuePair<string, Node>[] entries, int[] keyLines, int line) : base(line)
    {
        this.entries = entries;
        this.keyLines = keyLines;
    }

    /// <param name="keyLines">The line of each key (for a repeated key, its last line).</param>
    public MappingNode(List<KeyValuePair<string, Node>> entries, Dictionary<string, int> keyLines, int line)
        : this([.. entries], [.. entries.Select(e => keyLines.TryGetValue(e.Key, out var keyLine) ? keyLine : line)], line)
    {
    }

    public IReadOnlyList<KeyValuePair<string, Node>> Entries => entries;

    public int Count => entries.Length;

    /// <summary>Looks a key up; duplicate keys keep the last value, as CloudFormation's JSON parser does.</summary>
    public Node? this[string key]
    {
        get
        {
            for (var i = entries.Length - 1; i >= 0; i--)
            {
                if (string.Equals(entries[i].Key, key, StringComparison.Ordinal))
                {
                    return entries[i].Value;
                }
            }

            return null;
        }
    }

    /// <summary>Set on the root only: every key that appears twice in one mapping anywhere in the document (the later line wins).</summary>
    public IReadOnlyList<DuplicateKey> DocumentDuplicateKeys { get; set; } = [];

    /// <summary>The line of a key (the last one when it repeats), else the mapping's line.</summary>
    public int KeyLine(string key)
    {
        for (var i = entries.Length - 1; i >= 0; i--)
        {
            if (string.Equals(entries[i].Key, key, StringComparison.Ordinal))
            {
                return keyLines[i];
            }
        }

        return Line;
    }

    /// <summary>Recognises an intrinsic function: a mapping with exactly one key that is `Ref`, `Condition` or `Fn::*`.</summary>
    public string? IntrinsicName
    {
        get
        {
            if (entries.Length != 1)
            {
                return null;
            }

            var key = entries[0].Key;
            return key is "Ref" or "Condition" || key.StartsWith("Fn::", StringComparison.Ordinal) ? key : null;
        }
    }
}
