using System.Text.RegularExpressions;

namespace Payments.Preflight.Model;

/// <summary>
/// What <c>Transform: AWS::LanguageExtensions</c> makes of the <c>Fn::ForEach</c> loops whose collection the template
/// spells out: for each item, the loop's outputs with every <c>${Identifier}</c> and <c>&amp;{Identifier}</c> in keys and
/// strings replaced by the item (the <c>&amp;</c> form keeping only its letters and digits) and every
/// <c>Ref: Identifier</c> replaced by the item itself, as AWS's <c>Fn::ForEach</c> reference describes. The nodes keep
/// the lines of the loop's body, so a finding points at what the author wrote.
/// </summary>
/// <remarks>
/// A loop whose collection is known only at deploy time (a Ref to a <c>CommaDelimitedList</c> parameter,
/// <c>Fn::FindInMap</c>) makes nothing here: what it makes depends on the stack's parameters. Inside a resource, such
/// a loop stays as written, and the shape rules skip the object that holds it.
/// </remarks>
internal static partial class LoopExpansion
{
    public const string LoopPrefix = "Fn::ForEach::";

    /// <summary>
    /// One more than CloudFormation's quota on a template's resources: enough for PF017 to tell that the loops make too
    /// many, without making thousands.
    /// </summary>
    public const int MaxResources = 501;

    /// <summary>
    /// How many items and outputs the loops of one template may visit in all. The resource quota stops a real
    /// template's loops at 500 resources and the 1 MB body limit bounds what they put into properties, so this is far
    /// above any deployable template; loops nested to multiply out to millions (even of nothing: empty outputs) stop
    /// here in a moment instead of running for minutes. What lies beyond is not in the model (PF017 says so).
    /// </summary>
    public const int MaxSteps = 100_000;

    /// <summary>What is left of <see cref="MaxSteps"/> for one template.</summary>
    public sealed class Budget
    {
        private int left = MaxSteps;

        /// <summary>Whether some loop stopped because the steps ran out.</summary>
        public bool Exhausted { get; private set; }

        /// <summary>Takes one step; false (and <see cref="Exhausted"/>) when none is left.</summary>
        public bool Take()
        {
            if (left == 0)
            {
                Exhausted = true;
                return false;
            }

            left--;
            return true;
        }
    }

    /// <summary>
    /// <c>${Identifier}</c> or <c>&amp;{Identifier}</c>; no braces inside, so in <c>${Queue${Name}.Arn}</c> the loop's
    /// <c>${Name}</c> is the placeholder.
    /// </summary>
    [GeneratedRegex(@"([$&])\{([^${}&]+)\}")]
    public static partial Regex Placeholder();

    [GeneratedRegex("[^A-Za-z0-9]")]
    private static partial Regex NotAlphanumeric();

    public static bool IsLoop(string key) => key.StartsWith(LoopPrefix, StringComparison.Ordinal);

    /// <summary>The identifier a <see cref="Placeholder"/> match names.</summary>
    public static string Identifier(Match placeholder) => placeholder.Groups[2].Value;

    /// <summary>What a <see cref="Placeholder"/> match becomes for an item: all of it for <c>${…}</c>, its letters and digits for <c>&amp;{…}</c>.</summary>
    public static string Item(Match placeholder, string value) =>
        placeholder.Groups[1].Value == "&" ? NotAlphanumeric().Replace(value, "") : value;

    /// <summary>A loop's parts when it has the shape [identifier, collection, {output key: value}]; its outputs may be one inner loop.</summary>
    public static (ScalarNode Identifier, Node Collection, MappingNode Outputs)? Parts(Node loop) =>
        loop is SequenceNode { Items: [ScalarNode { Kind: ScalarKind.String, Value.Length: > 0 } identifier, var collection, MappingNode outputs] }
            && (outputs.IntrinsicName is not { } function || IsLoop(function))
            ? (identifier, collection, outputs)
            : null;

    /// <summary>A collection's items when the template spells them out; null when a function makes them at deploy time.</summary>
    public static IReadOnlyList<string>? Items(Node collection) =>
        collection is SequenceNode list && list.Items.All(i => i is ScalarNode)
            ? [.. list.Items.Select(i => ((ScalarNode)i).Value)]
            : null;

    /// <summary>The resources a loop of the Resources section makes: logical ID, body and the line of the output key.</summary>
    public static IEnumerable<(string LogicalId, MappingNode Body, int Line)> Resources(Node loop, Budget budget)
    {
        // Every key of the Resources section is a resource to the quota, whatever its value.
        var made = 0;
        foreach (var (key, value, line) in Outputs(loop, new Dictionary<string, string>(StringComparer.Ordinal), budget))
        {
            if (made == MaxResources)
            {
                yield break;
            }

            made++;
            if (value is MappingNode body)
            {
                yield return (key, body, line);
            }
        }
    }

    /// <summary>Each output of a loop (inner loops included) for each item of its collection, substituted; nothing when the collection is not spelled out.</summary>
    private static IEnumerable<(string Key, Node Value, int Line)> Outputs(Node loop, Dictionary<string, string> outer, Budget budget)
    {
        if (Parts(loop) is not var (identifier, collection, outputs) || Items(Substitute(collection, outer, budget)) is not { } items)
        {
            yield break;
        }

        foreach (var item in items)
        {
            if (!budget.Take())
            {
                yield break;
            }

            var bindings = new Dictionary<string, string>(outer, StringComparer.Ordinal) { [identifier.Value] = item };
            foreach (var (key, value) in outputs.Entries)
            {
                if (IsLoop(key))
                {
                    foreach (var inner in Outputs(value, bindings, budget))
                    {
                        yield return inner;
                    }
                }
                else if (budget.Take())
                {
                    yield return (Replace(key, bindings), Substitute(value, bindings, budget), outputs.KeyLine(key));
                }
                else
                {
                    yield break;
                }
            }
        }
    }

    /// <summary>The node with the items put in; the node itself where nothing changes.</summary>
    private static Node Substitute(Node node, IReadOnlyDictionary<string, string> bindings, Budget budget)
    {
        if (bindings.Count == 0)
        {
            return node;
        }

        switch (node)
        {
            case ScalarNode { Kind: ScalarKind.String } scalar:
                var replaced = Replace(scalar.Value, bindings);
                return ReferenceEquals(replaced, scalar.Value) ? scalar : new ScalarNode(replaced, ScalarKind.String, scalar.Line);
            case SequenceNode sequence:
                return new SequenceNode([.. sequence.Items.Select(i => Substitute(i, bindings, budget))], sequence.Line);
            case MappingNode { IntrinsicName: "Ref", Entries: [{ Value: ScalarNode { Kind: ScalarKind.String } target }] } when bindings.TryGetValue(target.Value, out var value):
                return new ScalarNode(value, ScalarKind.String, target.Line);
            case MappingNode mapping:
                var entries = new List<KeyValuePair<string, Node>>(mapping.Count);
                var lines = new List<int>(mapping.Count);
                foreach (var (key, value) in mapping.Entries)
                {
                    if (IsLoop(key) && Outputs(value, new Dictionary<string, string>(bindings, StringComparer.Ordinal), budget).ToList() is { Count: > 0 } made)
                    {
                        // A loop inside a resource whose collection is spelled out: its outputs become keys of this mapping.
                        foreach (var (madeKey, madeValue, line) in made)
                        {
                            entries.Add(new(madeKey, madeValue));
                            lines.Add(line);
                        }

                        continue;
                    }

                    entries.Add(new(Replace(key, bindings), Substitute(value, bindings, budget)));
                    lines.Add(mapping.KeyLine(key));
                }

                return new MappingNode([.. entries], [.. lines], mapping.Line);
            default:
                return node;
        }
    }

    /// <summary>The text with each loop placeholder that has an item put in; the same string when none has.</summary>
    private static string Replace(string text, IReadOnlyDictionary<string, string> bindings)
    {
        if (text.IndexOf('{', StringComparison.Ordinal) < 0)
        {
            return text;
        }

        var changed = false;
        var result = Placeholder().Replace(text, match =>
        {
            if (!bindings.TryGetValue(Identifier(match), out var value))
            {
                return match.Value;
            }

            changed = true;
            return Item(match, value);
        });
        return changed ? result : text;
    }
}
