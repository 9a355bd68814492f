using System.Collections.Concurrent;
using System.Text.Json;

namespace Payments.Preflight.Data;

/// <summary>
/// The property shapes of the CloudFormation resource provider schemas (Data/resource-schemas.jsonl, written by
/// refresh-from-cfn-lint.py): one JSON line per resource type. The first use indexes the lines; a type's line is
/// parsed only when a template uses that type, so a run pays for the types it checks, not for all of them.
/// </summary>
internal static class ResourceSchemas
{
    private const string File = "resource-schemas.jsonl";

    private static readonly Lazy<Index> IndexLazy = new(LoadIndex);

    private static readonly ConcurrentDictionary<string, ResourceSchema?> Parsed = new(StringComparer.Ordinal);

    /// <summary>The date the schemas were taken from cfn-lint's data (enum findings quote it).</summary>
    public static string Retrieved => IndexLazy.Value.Retrieved;

    public static int TypeCount => IndexLazy.Value.Lines.Count;

    /// <summary>The schema of a resource type, or null when the dated data does not know the type.</summary>
    public static ResourceSchema? Find(string type) =>
        Parsed.TryGetValue(type, out var known) ? known : Parsed.GetOrAdd(type, static t => Parse(IndexLazy.Value, t));

    private sealed record Index(byte[] Bytes, Dictionary<string, (int Start, int Length)> Lines, string Retrieved);

    private static Index LoadIndex()
    {
        using var stream = typeof(ResourceSchemas).Assembly.GetManifestResourceStream($"Payments.Preflight.Data.{File}")
            ?? throw new InvalidOperationException($"embedded data file {File} is missing from the build");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var span = bytes.AsSpan();
        var headerEnd = span.IndexOf((byte)'\n');
        using var header = JsonDocument.Parse(bytes.AsMemory(0, headerEnd));
        var retrieved = header.RootElement.GetProperty("retrieved").GetString() ?? "unknown";
        var lines = new Dictionary<string, (int, int)>(header.RootElement.GetProperty("types").GetInt32(), StringComparer.Ordinal);

        // Each line is ["<type>",{...}]: the type name sits between the first two quotes (type names need no escaping).
        for (var start = headerEnd + 1; start < bytes.Length;)
        {
            var length = span[start..].IndexOf((byte)'\n');
            if (length < 0)
            {
                length = bytes.Length - start;
            }

            if (length > 2)
            {
                var nameEnd = span.Slice(start + 2, length - 2).IndexOf((byte)'"');
                lines[System.Text.Encoding.UTF8.GetString(span.Slice(start + 2, nameEnd))] = (start, length);
            }

            start += length + 1;
        }

        return new Index(bytes, lines, retrieved);
    }

    private static ResourceSchema? Parse(Index index, string type)
    {
        if (!index.Lines.TryGetValue(type, out var line))
        {
            return null;
        }

        using var document = JsonDocument.Parse(index.Bytes.AsMemory(line.Start, line.Length));
        var body = document.RootElement[1];
        var definitions = new Dictionary<string, Shape>(StringComparer.Ordinal);
        if (body.TryGetProperty("d", out var defs))
        {
            foreach (var definition in defs.EnumerateObject())
            {
                definitions[definition.Name] = ReadShape(definition.Value);
            }
        }

        return new ResourceSchema(type, ReadShape(body.GetProperty("root")), definitions);
    }

    private static Shape ReadShape(JsonElement element)
    {
        var types = ShapeTypes.Any;
        if (element.TryGetProperty("t", out var t))
        {
            foreach (var letter in t.GetString()!)
            {
                types |= letter switch
                {
                    's' => ShapeTypes.String,
                    'i' => ShapeTypes.Integer,
                    'n' => ShapeTypes.Number,
                    'b' => ShapeTypes.Boolean,
                    'o' => ShapeTypes.Object,
                    'a' => ShapeTypes.Array,
                    _ => ShapeTypes.Any,
                };
            }
        }

        Dictionary<string, Shape>? properties = null;
        if (element.TryGetProperty("p", out var p))
        {
            properties = new Dictionary<string, Shape>(StringComparer.Ordinal);
            foreach (var property in p.EnumerateObject())
            {
                properties[property.Name] = ReadShape(property.Value);
            }
        }

        return new Shape
        {
            Types = types,
            Ref = element.TryGetProperty("r", out var r) ? r.GetString() : null,
            Items = element.TryGetProperty("i", out var i) ? ReadShape(i) : null,
            Properties = properties,
            Required = element.TryGetProperty("q", out var q) ? [.. q.EnumerateArray().Select(v => v.GetString()!)] : [],
            Closed = element.TryGetProperty("c", out _),
            Enum = element.TryGetProperty("e", out var e) ? [.. e.EnumerateArray().Select(v => v.GetString()!)] : null,
            EnumIgnoresCase = element.TryGetProperty("ci", out _),
        };
    }
}

/// <summary>The JSON types a schema allows for a value; <see cref="Any"/> when the schema does not say.</summary>
[Flags]
internal enum ShapeTypes
{
    Any = 0,
    String = 1,
    Integer = 2,
    Number = 4,
    Boolean = 8,
    Object = 16,
    Array = 32,
}

/// <summary>One value's shape in a provider schema (see refresh-from-cfn-lint.py for what is kept).</summary>
internal sealed class Shape
{
    public ShapeTypes Types { get; init; }

    /// <summary>A definition of the same schema this shape is (JSON Schema `$ref`).</summary>
    public string? Ref { get; init; }

    public Shape? Items { get; init; }

    public IReadOnlyDictionary<string, Shape>? Properties { get; init; }

    public IReadOnlyList<string> Required { get; init; } = [];

    /// <summary>No keys but <see cref="Properties"/> are allowed (additionalProperties: false).</summary>
    public bool Closed { get; init; }

    public IReadOnlyList<string>? Enum { get; init; }

    public bool EnumIgnoresCase { get; init; }
}

internal sealed record ResourceSchema(string Type, Shape Root, IReadOnlyDictionary<string, Shape> Definitions)
{
    /// <summary>Follows references to the shape they name (a bounded number of hops: schemas can be recursive).</summary>
    public Shape Resolve(Shape shape)
    {
        for (var hops = 0; shape.Ref is { } name && hops < 16; hops++)
        {
            if (!Definitions.TryGetValue(name, out var target))
            {
                return new Shape();
            }

            shape = target;
        }

        return shape;
    }
}
