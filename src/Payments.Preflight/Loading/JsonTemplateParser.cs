using System.Text.Json;
using Payments.Preflight.Model;

namespace Payments.Preflight.Loading;

/// <summary>
/// Parses JSON into our node tree with line numbers: JsonDocument keeps no positions, so the reader's
/// byte offsets are mapped to lines through a precomputed table of newline offsets.
/// </summary>
internal static class JsonTemplateParser
{
    public static Node Parse(ReadOnlySpan<byte> bytes)
    {
        var start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        var lines = new LineTable(bytes);
        var reader = new Utf8JsonReader(bytes[start..], new JsonReaderOptions
        {
            MaxDepth = LoadLimits.MaxDepth + 2,
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = false,
        });
        try
        {
            if (!reader.Read())
            {
                throw new TemplateLoadException(RuleIds.ParseError, "the file is empty", 1);
            }

            var duplicates = new List<DuplicateKey>();
            var root = ReadValue(ref reader, lines, start, 0, duplicates, new StringPool(), new Scratch());
            if (reader.Read())
            {
                throw new TemplateLoadException(RuleIds.ParseError, "unexpected content after the top-level JSON value", lines.LineOf(start + (int)reader.TokenStartIndex));
            }

            if (root is MappingNode map)
            {
                map.DocumentDuplicateKeys = duplicates;
            }

            return root;
        }
        catch (JsonException exception)
        {
            var line = exception.LineNumber is { } newlines && exception.BytePositionInLine is { } column
                ? lines.LineOf(start + ReaderOffset(bytes[start..], newlines, column))
                : (int?)null;
            var message = exception.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            throw new TemplateLoadException(RuleIds.ParseError, $"invalid JSON: {(cut > 0 ? message[..cut] : message)}", line);
        }
    }

    /// <summary>
    /// The byte offset of a reader position given as lines and a column: the reader counts lines by <c>\n</c> alone, the
    /// line table by every line break, so its line numbers are turned back into an offset for the table.
    /// </summary>
    private static int ReaderOffset(ReadOnlySpan<byte> json, long newlines, long column)
    {
        var offset = 0;
        for (long i = 0; i < newlines && json[offset..].IndexOf((byte)'\n') is var next and >= 0; i++)
        {
            offset += next + 1;
        }

        return (int)Math.Min(offset + column, json.Length);
    }

    private static Node ReadValue(ref Utf8JsonReader reader, LineTable lines, int start, int depth, List<DuplicateKey> duplicates, StringPool strings, Scratch scratch)
    {
        var line = lines.LineOf(start + (int)reader.TokenStartIndex);
        if (depth > LoadLimits.MaxDepth)
        {
            throw new TemplateLoadException(RuleIds.TemplateLimits, $"the template nests deeper than {LoadLimits.MaxDepth} levels", line);
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var (entries, keyLines) = scratch.Mapping(depth);
                Dictionary<string, int>? index = null;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var keyLine = lines.LineOf(start + (int)reader.TokenStartIndex);
                    var key = strings.Get(ref reader, keyLine);
                    if (LastIndexOf(entries, index, key) is var previous and >= 0)
                    {
                        duplicates.Add(new DuplicateKey(key, keyLines[previous], keyLine));
                    }

                    // a large mapping (Resources) gets an index so that finding repeated keys stays linear
                    if (index is null && entries.Count >= 16)
                    {
                        index = new Dictionary<string, int>(StringComparer.Ordinal);
                        for (var i = 0; i < entries.Count; i++)
                        {
                            index[entries[i].Key] = i;
                        }
                    }

                    index?[key] = entries.Count;
                    keyLines.Add(keyLine);
                    reader.Read();
                    entries.Add(new(key, ReadValue(ref reader, lines, start, depth + 1, duplicates, strings, scratch)));
                }

                return new MappingNode([.. entries], [.. keyLines], line);
            case JsonTokenType.StartArray:
                var items = scratch.Sequence(depth);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, lines, start, depth + 1, duplicates, strings, scratch));
                }

                return new SequenceNode([.. items], line);
            case JsonTokenType.String:
                return new ScalarNode(strings.Get(ref reader, line), ScalarKind.String, line);
            case JsonTokenType.Number:
                return new ScalarNode(System.Text.Encoding.UTF8.GetString(reader.ValueSpan), ScalarKind.Number, line);
            case JsonTokenType.True:
                return new ScalarNode("true", ScalarKind.Boolean, line);
            case JsonTokenType.False:
                return new ScalarNode("false", ScalarKind.Boolean, line);
            case JsonTokenType.Null:
                return new ScalarNode(string.Empty, ScalarKind.Null, line);
            default:
                throw new TemplateLoadException(RuleIds.ParseError, $"unexpected JSON token {reader.TokenType}", line);
        }
    }

    private static int LastIndexOf(List<KeyValuePair<string, Node>> entries, Dictionary<string, int>? index, string key)
    {
        if (index is not null)
        {
            return index.TryGetValue(key, out var found) ? found : -1;
        }

        for (var i = entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// One string per distinct short text of a document: keys, logical IDs and attribute names repeat thousands of
    /// times in a template, and the parse allocates most of what a run allocates.
    /// </summary>
    private sealed class StringPool
    {
        private const int MaxPooledLength = 64;
        private readonly Dictionary<string, string> pool = new(StringComparer.Ordinal);

        public string Get(ref Utf8JsonReader reader, int line)
        {
            try
            {
                return Read(ref reader);
            }
            catch (InvalidOperationException)
            {
                // The reader checks \u escapes only when it unescapes a string. TemplateLoader has refused bytes that are
                // not UTF-8, so what is refused here is an escaped surrogate without its other half: not text.
                throw new TemplateLoadException(RuleIds.ParseError, "invalid JSON: a string has a \\u escape of one half of a UTF-16 surrogate pair (\\uD800–\\uDFFF) without the other half, which is not text; remove it or escape the whole pair", line);
            }
        }

        private string Read(ref Utf8JsonReader reader)
        {
            if (reader.HasValueSequence || reader.ValueSpan.Length > MaxPooledLength)
            {
                return reader.GetString() ?? string.Empty;
            }

            Span<char> buffer = stackalloc char[MaxPooledLength];
            var length = reader.CopyString(buffer);
            var text = buffer[..length];
            var lookup = pool.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(text, out var value))
            {
                value = text.ToString();
                pool[value] = value;
            }

            return value;
        }
    }

    /// <summary>
    /// Lists reused per nesting depth while a mapping or sequence is read; the node keeps an exact-size copy, so
    /// the tree holds no list slack.
    /// </summary>
    private sealed class Scratch
    {
        private readonly List<(List<KeyValuePair<string, Node>>, List<int>)> mappings = [];
        private readonly List<List<Node>> sequences = [];

        public (List<KeyValuePair<string, Node>> Entries, List<int> KeyLines) Mapping(int depth)
        {
            while (mappings.Count <= depth)
            {
                mappings.Add(([], []));
            }

            var (entries, keyLines) = mappings[depth];
            entries.Clear();
            keyLines.Clear();
            return (entries, keyLines);
        }

        public List<Node> Sequence(int depth)
        {
            while (sequences.Count <= depth)
            {
                sequences.Add([]);
            }

            sequences[depth].Clear();
            return sequences[depth];
        }
    }
}
