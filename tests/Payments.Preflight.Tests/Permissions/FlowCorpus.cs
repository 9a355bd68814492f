using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Payments.Preflight.Loading;
using Payments.Preflight.Model;

namespace Payments.Preflight.Tests.Permissions;

/// <summary>A finding a case expects: rule and resource, and for defective cases the path prefix and a message fragment.</summary>
internal sealed record ExpectedFinding(string Rule, string Resource, string? Path = null, string? Message = null, string? File = null);

/// <summary>Statements whose Sid starts with <paramref name="SidPrefix"/> are needed: removing one gives exactly <paramref name="Findings"/>.</summary>
internal sealed record NeededStatement(string SidPrefix, IReadOnlyList<ExpectedFinding> Findings);

/// <summary>
/// One case of the permission-flow corpus (Fixtures/permissions/{bad,good}): a template, or a directory whose templates
/// are checked as one run (a cross-stack case). Its expectations sit in the templates themselves: YAML header comments
/// (`# expect: RULE RESOURCE [PATH] | message fragment`, `# needed: SID-PREFIX RULE RESOURCE[, RULE RESOURCE]`) or, in
/// JSON, the top-level `Metadata.expect` / `Metadata.needed`.
/// </summary>
internal sealed partial class FlowCase
{
    public static readonly string Root = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "permissions");

    public static readonly IReadOnlySet<string> FlowRules = new HashSet<string>(StringComparer.Ordinal)
    {
        "PF210", "PF211", "PF212", "PF213", "PF214", "PF215", "PF216", "PF217", "PF218", "PF219", "PF220",
    };

    private FlowCase(string name, string path, IReadOnlyList<string> files)
    {
        Name = name;
        Path = path;
        Files = files;
        foreach (var file in files)
        {
            ReadHeader(file);
        }
    }

    /// <summary>e.g. "bad/pf211-….yaml" or "good/xstack-alarm-topic".</summary>
    public string Name { get; }

    public string Path { get; }

    public IReadOnlyList<string> Files { get; }

    public bool IsDirectory => Directory.Exists(Path);

    public ExpectedFinding? Expect { get; private set; }

    public List<NeededStatement> Needed { get; } = [];

    public static IReadOnlyList<FlowCase> All(string kind) =>
        [.. Directory.EnumerateFileSystemEntries(System.IO.Path.Combine(Root, kind)).Order(StringComparer.Ordinal).Select(entry => Directory.Exists(entry)
            ? new FlowCase($"{kind}/{System.IO.Path.GetFileName(entry)}", entry, [.. Directory.EnumerateFiles(entry).Order(StringComparer.Ordinal)])
            : new FlowCase($"{kind}/{System.IO.Path.GetFileName(entry)}", entry, [entry]))];

    public static FlowCase Named(string name) => All(name.Split('/')[0]).Single(c => c.Name == name);

    public override string ToString() => Name;

    private void ReadHeader(string file)
    {
        var name = System.IO.Path.GetFileName(file);
        if (file.EndsWith(".json", StringComparison.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            if (!document.RootElement.TryGetProperty("Metadata", out var metadata))
            {
                return;
            }

            if (metadata.TryGetProperty("expect", out var expect))
            {
                Expect = new ExpectedFinding(expect.GetProperty("rule").GetString()!, expect.GetProperty("resource").GetString()!,
                    expect.GetProperty("path").GetString(), expect.GetProperty("message").GetString(), name);
            }

            if (metadata.TryGetProperty("needed", out var needed))
            {
                foreach (var item in needed.EnumerateArray())
                {
                    Needed.Add(new NeededStatement(item.GetProperty("sid").GetString()!, [.. item.GetProperty("expect").EnumerateArray().Select(e => Pair(e.GetString()!))]));
                }
            }

            return;
        }

        foreach (var line in File.ReadLines(file).TakeWhile(l => l.StartsWith('#')))
        {
            if (ExpectLine().Match(line) is { Success: true } expect)
            {
                var path = expect.Groups["path"].Success ? expect.Groups["path"].Value : string.Empty;
                Expect = new ExpectedFinding(expect.Groups["rule"].Value, expect.Groups["resource"].Value, path, expect.Groups["message"].Value.Trim(), name);
            }
            else if (NeededLine().Match(line) is { Success: true } needed)
            {
                Needed.Add(new NeededStatement(needed.Groups["sid"].Value, [.. needed.Groups["findings"].Value.Split(',').Select(p => Pair(p.Trim()))]));
            }
        }
    }

    private static ExpectedFinding Pair(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 ? new ExpectedFinding(parts[0], parts[1]) : throw new FormatException($"expected 'RULE RESOURCE', got '{text}'");
    }

    [GeneratedRegex(@"^# expect: (?<rule>PF\d+) (?<resource>\S+)(?: (?<path>[^|\s]+))? \| (?<message>.+)$")]
    private static partial Regex ExpectLine();

    [GeneratedRegex(@"^# needed: (?<sid>\S+) (?<findings>PF\d+ \S+(?:, PF\d+ \S+)*)$")]
    private static partial Regex NeededLine();
}

/// <summary>A statement of a policy document in one template of a case, found in the parsed tree.</summary>
internal sealed record PolicyStatement(string File, Node Node, string? Sid, string Where);

/// <summary>
/// Reads a case's templates into the engine's own node tree, lists every policy statement in them, and writes the
/// templates back as JSON with one statement left out — so a mutation changes exactly one statement whatever the
/// source format (YAML tags become the intrinsic mappings the engine reads anyway).
/// </summary>
internal static partial class PolicyMutation
{
    public static Dictionary<string, Node> Parse(FlowCase flowCase) =>
        flowCase.Files.ToDictionary(f => f, f => TemplateLoader.Parse(f, File.ReadAllBytes(f)), StringComparer.Ordinal);

    /// <summary>Every statement of every policy document (any mapping with a `Statement`): inline, managed, resource, key and trust policies.</summary>
    public static List<PolicyStatement> Statements(Dictionary<string, Node> templates)
    {
        var found = new List<PolicyStatement>();
        foreach (var (file, root) in templates)
        {
            Walk(file, root, System.IO.Path.GetFileName(file), found);
        }

        return found;
    }

    public static string Json(Node node, Node? without)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            Write(writer, node, without);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Walk(string file, Node node, string where, List<PolicyStatement> found)
    {
        switch (node)
        {
            case MappingNode map:
                foreach (var (key, value) in map.Entries)
                {
                    if (key == "Statement" && value is SequenceNode statements)
                    {
                        for (var i = 0; i < statements.Items.Count; i++)
                        {
                            var sid = (statements.Items[i] as MappingNode)?["Sid"] is ScalarNode { } s ? s.Value : null;
                            found.Add(new PolicyStatement(file, statements.Items[i], sid, $"{where}/Statement/{i}"));
                        }
                    }
                    else if (key == "Statement" && value is MappingNode { IntrinsicName: null } single)
                    {
                        found.Add(new PolicyStatement(file, single, (single["Sid"] as ScalarNode)?.Value, $"{where}/Statement"));
                    }

                    Walk(file, value, $"{where}/{key}", found);
                }

                break;
            case SequenceNode sequence:
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    Walk(file, sequence.Items[i], $"{where}/{i}", found);
                }

                break;
        }
    }

    private static void Write(Utf8JsonWriter writer, Node node, Node? without)
    {
        switch (node)
        {
            case MappingNode map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.Entries)
                {
                    writer.WritePropertyName(key);
                    if (key == "Statement" && ReferenceEquals(value, without))
                    {
                        // a single-statement document loses its only statement
                        writer.WriteStartArray();
                        writer.WriteEndArray();
                        continue;
                    }

                    Write(writer, value, without);
                }

                writer.WriteEndObject();
                break;
            case SequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Items.Where(i => !ReferenceEquals(i, without)))
                {
                    Write(writer, item, without);
                }

                writer.WriteEndArray();
                break;
            case ScalarNode { Kind: ScalarKind.Null }:
                writer.WriteNullValue();
                break;
            case ScalarNode { Kind: ScalarKind.Boolean } flag when flag.AsBoolean() is { } value:
                writer.WriteBooleanValue(value);
                break;
            case ScalarNode { Kind: ScalarKind.Number } number when JsonNumber().IsMatch(number.Value):
                writer.WriteRawValue(number.Value);
                break;
            case ScalarNode scalar:
                writer.WriteStringValue(scalar.Value);
                break;
        }
    }

    [GeneratedRegex(@"^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$")]
    private static partial Regex JsonNumber();
}
