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

    private static readonly Lazy<IReadOnlyDictionary<string, PolicyDocument>> Documents = new(Load);

    /// <summary>By ARN path + name, e.g. "service-role/AmazonECSTaskExecutionRolePolicy".</summary>
    public static PolicyDocument? Get(string pathAndName) => Documents.Value.GetValueOrDefault(pathAndName);

    public static IEnumerable<string> Names => Documents.Value.Keys;

    private static Dictionary<string, PolicyDocument> Load()
    {
        using var stream = typeof(PreflightData).Assembly.GetManifestResourceStream($"Payments.Preflight.Data.{File}")
            ?? throw new InvalidOperationException($"embedded data file {File} is missing from the build");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var root = JsonTemplateParser.Parse(memory.ToArray()) as MappingNode;
        var retrieved = (root?["retrieved"] as ScalarNode)?.Value ?? "unknown";
        var result = new Dictionary<string, PolicyDocument>(StringComparer.Ordinal);
        if (root?["policies"] is MappingNode policies)
        {
            foreach (var (name, document) in policies.Entries)
            {
                result[name] = PolicyDocument.Parse($"AWS managed policy {name} (as of {retrieved})", document, PolicyDocument.LiteralOnly);
            }
        }

        return result;
    }
}
