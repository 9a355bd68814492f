using Payments.Preflight.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Payments.Preflight.Loading;

/// <summary>
/// Parses YAML from the parser's event stream into our node tree, mapping CloudFormation's short-form
/// tags (<c>!Ref</c>, <c>!GetAtt a.b</c>, <c>!Sub</c>, …) to their long form. Aliases share the anchored
/// node instead of copying it, and the expanded size is counted so that an alias bomb becomes a finding.
/// </summary>
internal sealed class YamlTemplateParser
{
    private static readonly HashSet<string> FunctionTags = new(StringComparer.Ordinal)
    {
        "Base64", "Cidr", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Select", "Split", "Sub",
        "Equals", "And", "Or", "Not", "Transform", "Length", "ToJsonString", "ForEach", "GetAtt",

        // The Rules section's assertion functions.
        "Contains", "EachMemberEquals", "EachMemberIn", "ValueOf", "ValueOfAll", "RefAll",
    };

    private readonly LibraryFailures parser;
    private readonly Dictionary<string, (Node Node, long Weight)> anchors = new(StringComparer.Ordinal);
    private readonly List<DuplicateKey> duplicates = [];
    private long expandedNodes;

    private YamlTemplateParser(string text)
    {
        var scanner = new Scanner(new StringReader(BlockScalars.BlankLeadingLines(text)));
        parser = new LibraryFailures(new Parser(scanner), scanner);
    }

    public static Node Parse(string text)
    {
        var instance = new YamlTemplateParser(text);
        try
        {
            return instance.ParseDocument();
        }
        catch (YamlException exception)
        {
            var message = exception.Message;
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            throw new TemplateLoadException(RuleIds.ParseError, $"invalid YAML: {(cut > 0 && message.StartsWith('(') ? message[(cut + 3)..] : message)}", (int)exception.Start.Line);
        }
    }

    private Node ParseDocument()
    {
        parser.Consume<StreamStart>();
        if (parser.Accept<StreamEnd>(out _))
        {
            throw new TemplateLoadException(RuleIds.ParseError, "the file is empty", 1);
        }

        parser.Consume<DocumentStart>();
        var (root, _) = ParseNode(0);
        parser.Consume<DocumentEnd>();
        RefuseFurtherDocuments();
        if (root is MappingNode map)
        {
            map.DocumentDuplicateKeys = duplicates;
        }

        return root;
    }

    /// <summary>
    /// CloudFormation reads a template from one YAML document (cfn-lint: "expected a single document in the stream"), so
    /// what a second one holds would be silently dropped. A trailing <c>---</c> with nothing after it makes an empty
    /// document, which loses nothing.
    /// </summary>
    private void RefuseFurtherDocuments()
    {
        while (parser.TryConsume<DocumentStart>(out var start))
        {
            if (parser.TryConsume<Scalar>(out var scalar) && scalar is { Value: "", Style: ScalarStyle.Plain, Tag.IsEmpty: true, Anchor.IsEmpty: true }
                && parser.TryConsume<DocumentEnd>(out _))
            {
                continue;
            }

            throw new TemplateLoadException(RuleIds.ParseError, "a second YAML document starts here; CloudFormation reads a template from one document. Remove this `---` and what follows it, or move that into a file of its own", (int)start.Start.Line);
        }
    }

    private (Node Node, long Weight) ParseNode(int depth)
    {
        var current = parser.Current ?? throw new TemplateLoadException(RuleIds.ParseError, "unexpected end of YAML", null);
        var line = (int)current.Start.Line;
        if (depth > LoadLimits.MaxDepth)
        {
            throw new TemplateLoadException(RuleIds.TemplateLimits, $"the template nests deeper than {LoadLimits.MaxDepth} levels", line);
        }

        switch (current)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (!anchors.TryGetValue(alias.Value.Value, out var anchored))
                {
                    throw new TemplateLoadException(RuleIds.ParseError, $"unknown YAML alias *{alias.Value.Value}", line);
                }

                Count(anchored.Weight, line);
                return anchored;
            case Scalar scalar:
                parser.MoveNext();
                Count(1, line);
                return Remember(scalar.Anchor, WrapTag(scalar.Tag, ToScalar(scalar, line), line, scalar.Value), 1);
            case SequenceStart sequenceStart:
            {
                parser.MoveNext();
                var items = new List<Node>();
                long weight = 1;
                Count(1, line);
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    var (item, itemWeight) = ParseNode(depth + 1);
                    items.Add(item);
                    weight += itemWeight;
                }

                return Remember(sequenceStart.Anchor, WrapTag(sequenceStart.Tag, new SequenceNode(items, line), line, null), weight);
            }

            case MappingStart mappingStart:
            {
                parser.MoveNext();
                var entries = new List<KeyValuePair<string, Node>>();
                var keyLines = new Dictionary<string, int>(StringComparer.Ordinal);
                long weight = 1;
                Count(1, line);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyEvent = parser.Current;
                    var keyLine = (int)(keyEvent?.Start.Line ?? line);
                    var (keyNode, _) = ParseNode(depth + 1);
                    var key = keyNode is ScalarNode keyScalar ? keyScalar.Value : throw new TemplateLoadException(RuleIds.ParseError, "a mapping key must be a plain value", keyLine);
                    var (value, valueWeight) = ParseNode(depth + 1);
                    if (keyLines.TryGetValue(key, out var firstLine))
                    {
                        duplicates.Add(new DuplicateKey(key, firstLine, keyLine));
                    }

                    keyLines[key] = keyLine;
                    entries.Add(new(key, value));
                    weight += valueWeight;
                }

                return Remember(mappingStart.Anchor, WrapTag(mappingStart.Tag, new MappingNode(entries, keyLines, line), line, null), weight);
            }

            default:
                throw new TemplateLoadException(RuleIds.ParseError, $"unexpected YAML event {current.GetType().Name}", line);
        }
    }

    private void Count(long nodes, int line)
    {
        expandedNodes += nodes;
        if (expandedNodes > LoadLimits.MaxExpandedNodes)
        {
            throw new TemplateLoadException(RuleIds.TemplateLimits, $"YAML aliases expand to more than {LoadLimits.MaxExpandedNodes:N0} nodes (an alias bomb?)", line);
        }
    }

    private (Node Node, long Weight) Remember(AnchorName anchor, Node node, long weight)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = (node, weight);
        }

        return (node, weight);
    }

    private static ScalarNode ToScalar(Scalar scalar, int line)
    {
        if (scalar.Style != ScalarStyle.Plain || !scalar.Tag.IsEmpty)
        {
            return new ScalarNode(scalar.Value, ScalarKind.String, line);
        }

        var value = scalar.Value;
        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => new ScalarNode(string.Empty, ScalarKind.Null, line),
            "true" or "True" or "TRUE" or "false" or "False" or "FALSE" => new ScalarNode(value.ToLowerInvariant(), ScalarKind.Boolean, line),
            _ when LooksNumeric(value) => new ScalarNode(value, ScalarKind.Number, line),
            _ => new ScalarNode(value, ScalarKind.String, line),
        };
    }

    private static bool LooksNumeric(string value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
        && value.Length > 0 && (char.IsDigit(value[0]) || value[0] is '-' or '+' or '.');

    private static Node WrapTag(TagName tag, Node node, int line, string? scalarValue)
    {
        if (tag.IsEmpty || tag.IsNonSpecific || !tag.Value.StartsWith('!') || tag.Value.StartsWith("!!", StringComparison.Ordinal))
        {
            return node;
        }

        var name = tag.Value[1..];
        string key;
        Node argument = node;
        if (name == "Ref")
        {
            key = "Ref";
        }
        else if (name == "Condition")
        {
            key = "Condition";
        }
        else if (FunctionTags.Contains(name))
        {
            key = "Fn::" + name;
            if (name == "GetAtt" && scalarValue is not null)
            {
                // !GetAtt Resource.Attribute.With.Dots splits at the first dot only.
                var dot = scalarValue.IndexOf('.', StringComparison.Ordinal);
                argument = dot < 0
                    ? new SequenceNode([new ScalarNode(scalarValue, ScalarKind.String, line)], line)
                    : new SequenceNode([new ScalarNode(scalarValue[..dot], ScalarKind.String, line), new ScalarNode(scalarValue[(dot + 1)..], ScalarKind.String, line)], line);
            }
        }
        else if (name.StartsWith("Rain::", StringComparison.Ordinal))
        {
            throw PreprocessorSource.Rain($"!{name}", line);
        }
        else
        {
            throw new TemplateLoadException(RuleIds.ParseError, $"unknown YAML tag !{name}", line);
        }

        return new MappingNode([new(key, argument)], new Dictionary<string, int>(StringComparer.Ordinal) { [key] = line }, line);
    }

    /// <summary>
    /// On some malformed input YamlDotNet's scanner and parser fail with InvalidOperationException (a state they did not
    /// expect, an empty internal stack or queue) or ArgumentException (a tag that is not a URI) instead of a
    /// YamlException. Every call into YamlDotNet goes through <see cref="MoveNext"/>, so these two types are caught only
    /// where they come from the library, and become a YamlException at the scanner's position; an exception from our
    /// own code never passes through here.
    /// </summary>
    private sealed class LibraryFailures(Parser inner, Scanner scanner) : IParser
    {
        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            try
            {
                return inner.MoveNext();
            }
            catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
            {
                var position = scanner.CurrentPosition;
                throw new YamlException(position, position, $"YamlDotNet stops near this line ({exception.GetType().Name}: {exception.Message}); check the syntax here", exception);
            }
        }
    }
}
