using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Payments.Api.Tests.Infrastructure.Contract;

/// <summary>
/// The served OpenAPI document, read as a client would read it: operations by path template and
/// method, and each operation's schemas as JSON Schemas (OpenAPI 3.1 schemas are JSON Schema 2020-12;
/// references to <c>#/components/schemas</c> are resolved through <c>$defs</c>).
/// </summary>
public sealed class ApiDocument
{
    private readonly JsonObject components;
    private readonly List<(string[] Segments, string Template, JsonObject Item)> paths = [];
    private readonly Dictionary<string, JsonSchema> schemas = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public ApiDocument(string json)
    {
        Root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidOperationException("the document is not a JSON object");
        components = Root["components"]?["schemas"]?.AsObject() ?? [];
        foreach (var (template, item) in Root["paths"]!.AsObject())
        {
            paths.Add((template.Trim('/').Split('/'), template, item!.AsObject()));
        }
    }

    public JsonObject Root { get; }

    public IEnumerable<(string Path, string Method, JsonObject Operation)> Operations =>
        paths.SelectMany(p => p.Item.Where(m => m.Value is JsonObject).Select(m => (p.Template, m.Key.ToUpperInvariant(), m.Value!.AsObject())));

    /// <summary>The path template matching <paramref name="path"/> (without query), or null.</summary>
    public (string Template, JsonObject Item)? FindPath(string path)
    {
        var segments = path.Trim('/').Split('/');
        (string, JsonObject)? best = null;
        var bestLiterals = -1;
        foreach (var (templateSegments, template, item) in paths)
        {
            if (templateSegments.Length != segments.Length)
            {
                continue;
            }

            var literals = 0;
            var matches = true;
            for (var i = 0; i < segments.Length && matches; i++)
            {
                if (templateSegments[i].StartsWith('{'))
                {
                    matches = segments[i].Length > 0;
                }
                else
                {
                    matches = string.Equals(templateSegments[i], Uri.UnescapeDataString(segments[i]), StringComparison.Ordinal);
                    literals++;
                }
            }

            if (matches && literals > bestLiterals)
            {
                best = (template, item);
                bestLiterals = literals;
            }
        }

        return best;
    }

    /// <summary>The schema node with its component references followed (for generators).</summary>
    public JsonObject Resolve(JsonNode schema)
    {
        var node = schema.AsObject();
        while (node["$ref"]?.GetValue<string>() is { } reference)
        {
            node = components[reference["#/components/schemas/".Length..]]!.AsObject();
        }

        return node;
    }

    /// <summary>A JSON Schema evaluator for the schema at <paramref name="cacheKey"/> in the document (cached).</summary>
    public JsonSchema SchemaAt(string cacheKey, JsonNode schema)
    {
        lock (gate)
        {
            if (schemas.TryGetValue(cacheKey, out var built))
            {
                return built;
            }

            var standalone = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$defs"] = components.DeepClone(),
            };
            foreach (var (key, value) in schema.AsObject())
            {
                standalone[key] = value?.DeepClone();
            }

            var text = standalone.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
            var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
            built = JsonSchema.FromText(text, options, new Uri($"https://contract.test/{schemas.Count}.json"));
            schemas[cacheKey] = built;
            return built;
        }
    }

    /// <summary>Evaluates <paramref name="instance"/>; the failures as "location: message" lines (empty when valid).</summary>
    public static List<string> Evaluate(JsonSchema schema, JsonElement instance)
    {
        var results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var failures = new List<string>();
        foreach (var detail in results.Details ?? [])
        {
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
            {
                failures.Add($"{detail.InstanceLocation} ({detail.EvaluationPath}, {keyword}): {message}");
            }
        }

        return failures.Count > 0 ? failures : ["invalid (no detail)"];
    }
}
