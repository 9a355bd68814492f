using System.Collections.Concurrent;
using System.Text.Json;

namespace Payments.Preflight.Data;

/// <summary>
/// The property shapes of the CloudFormation resource provider schemas (Data/resource-schemas.jsonl, written by
/// refresh-from-cfn-lint.py): a dated header line, then one JSON line per resource type, sorted by type name.
/// A lookup binary-searches the embedded bytes for the type's line and parses only that line, so a run reads the
/// types it checks and nothing else (no index to build, no copy of the whole file).
/// </summary>
internal static class ResourceSchemas
{
    private const string File = "resource-schemas.jsonl";

    private static readonly Lazy<(string Retrieved, int Types)> HeaderLazy = new(ReadHeader);

    private static readonly ConcurrentDictionary<string, ResourceSchema?> Parsed = new(StringComparer.Ordinal);

    /// <summary>The date the schemas were taken from cfn-lint's data (enum findings quote it).</summary>
    public static string Retrieved => HeaderLazy.Value.Retrieved;

    public static int TypeCount => HeaderLazy.Value.Types;

    /// <summary>The schema of a resource type, or null when the dated data does not know the type.</summary>
    public static ResourceSchema? Find(string type) =>
        Parsed.TryGetValue(type, out var known) ? known : Parsed.GetOrAdd(type, static t => Parse(t));

    private static Stream Open() =>
        typeof(ResourceSchemas).Assembly.GetManifestResourceStream($"Payments.Preflight.Data.{File}")
        ?? throw new InvalidOperationException($"embedded data file {File} is missing from the build");

    private static (string, int) ReadHeader()
    {
        using var stream = Open();
        var end = LineEnd(stream, 0);
        using var header = JsonDocument.Parse(Read(stream, 0, (int)end));
        return (header.RootElement.GetProperty("retrieved").GetString() ?? "unknown", header.RootElement.GetProperty("types").GetInt32());
    }

    private static ResourceSchema? Parse(string type)
    {
        using var stream = Open();
        if (FindLine(stream, System.Text.Encoding.UTF8.GetBytes(type)) is not { } start)
        {
            return null;
        }

        using var document = JsonDocument.Parse(Read(stream, start, (int)(LineEnd(stream, start) - start)));
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

    /// <summary>
    /// The start of the line <c>["type",…</c>: a binary search over byte positions (lines are sorted by type name,
    /// ordinally). Invariant: the line, if present, starts in [low, high); low is always a line start.
    /// </summary>
    private static long? FindLine(Stream stream, byte[] type)
    {
        var low = LineEnd(stream, 0) + 1;
        var high = stream.Length;
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            var start = middle == low ? low : LineEnd(stream, middle - 1) + 1;
            if (start >= high)
            {
                high = middle;
                continue;
            }

            var order = CompareName(stream, start, type);
            if (order == 0)
            {
                return start;
            }

            if (order < 0)
            {
                low = LineEnd(stream, start) + 1;
            }
            else if (start == low)
            {
                return null;
            }
            else
            {
                high = middle;
            }
        }

        return null;
    }

    /// <summary>Compares the type name of the line at <paramref name="start"/> (between its first two quotes) with <paramref name="type"/>.</summary>
    private static int CompareName(Stream stream, long start, byte[] type)
    {
        Span<byte> head = stackalloc byte[256];
        stream.Position = start + 2;
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var name = head[..read];
        var quote = name.IndexOf((byte)'"');
        return (quote < 0 ? name : name[..quote]).SequenceCompareTo(type);
    }

    /// <summary>The position of the first newline at or after <paramref name="position"/> (the stream's length if none).</summary>
    private static long LineEnd(Stream stream, long position)
    {
        Span<byte> chunk = stackalloc byte[4096];
        stream.Position = position;
        while (true)
        {
            var read = stream.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false);
            var newline = chunk[..read].IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return position + newline;
            }

            if (read < chunk.Length)
            {
                return position + read;
            }

            position += read;
        }
    }

    private static byte[] Read(Stream stream, long start, int length)
    {
        var bytes = new byte[length];
        stream.Position = start;
        stream.ReadExactly(bytes);
        return bytes;
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
