using Payments.Preflight.Data;
using Payments.Preflight.Loading;
using Payments.Preflight.Model;

namespace Payments.Preflight.Permissions;

/// <summary>
/// The documents of common AWS managed policies (Data/managed-policy-documents.json, dated; refreshed by
/// Data/refresh-managed-policy-documents.py). A policy not in the data is unknown to the model, never empty.
/// </summary>
internal static class ManagedPolicyDocuments
{
    private const string File = "managed-policy-documents.json";

    private static readonly Lazy<(string Retrieved, IReadOnlyDictionary<string, Node> Nodes)> Documents = new(Load);

    // A run uses a few of the policies: each document is read into statements when first asked for.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, PolicyDocument> Parsed = new(StringComparer.Ordinal);

    /// <summary>By ARN path + name, e.g. "service-role/AmazonECSTaskExecutionRolePolicy".</summary>
    public static PolicyDocument? Get(string pathAndName)
    {
        if (Parsed.TryGetValue(pathAndName, out var parsed))
        {
            return parsed;
        }

        var (retrieved, nodes) = Documents.Value;
        return nodes.TryGetValue(pathAndName, out var document)
            ? Parsed.GetOrAdd(pathAndName, name => PolicyDocument.Parse($"AWS managed policy {name} (as of {retrieved})", document, PolicyDocument.LiteralOnly))
            : null;
    }

    public static IEnumerable<string> Names => Documents.Value.Nodes.Keys;

    private static (string, IReadOnlyDictionary<string, Node>) Load()
    {
        using var stream = typeof(PreflightData).Assembly.GetManifestResourceStream($"Payments.Preflight.Data.{File}")
            ?? throw new InvalidOperationException($"embedded data file {File} is missing from the build");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var root = JsonTemplateParser.Parse(memory.ToArray()) as MappingNode;
        var retrieved = (root?["retrieved"] as ScalarNode)?.Value ?? "unknown";
        var result = new Dictionary<string, Node>(StringComparer.Ordinal);
        if (root?["policies"] is MappingNode policies)
        {
            foreach (var (name, document) in policies.Entries)
            {
                result[name] = document;
            }
        }

        return (retrieved, result);
    }
}
