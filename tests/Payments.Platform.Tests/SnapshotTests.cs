using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Payments.Platform.Tests;

/// <summary>
/// One golden snapshot per stack, next to the fine-grained tests (which state intent). Regenerate
/// with <c>PAYMENTS_UPDATE_SNAPSHOTS=1 dotnet test tests/Payments.Platform.Tests</c> and review the diff.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed partial class SnapshotTests(SynthesizedEnvironments app)
{
    public const string UpdateVariable = "PAYMENTS_UPDATE_SNAPSHOTS";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_platform_stack_matches_its_snapshot(string env)
    {
        var actual = Normalise(app.PlatformJson[env]);
        var path = Path.Combine(app.Settings.RepositoryRoot, "tests", "Payments.Platform.Tests", "Snapshots", $"{env}.platform.json");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual.ToJsonString(Indented) + "\n");
        }
        Assert.True(File.Exists(path), $"no snapshot at {path}; run with {UpdateVariable}=1 to create it");
        var expected = JsonNode.Parse(File.ReadAllText(path))!;
        var differences = new List<string>();
        Compare(expected, actual, "$", differences);
        Assert.True(differences.Count == 0,
            $"{env} platform template differs from {path} ({differences.Count} differences; {UpdateVariable}=1 regenerates):\n{string.Join("\n", differences.Take(15))}");
    }

    [Fact]
    public void Normalising_replaces_asset_hashes_only()
    {
        var node = JsonNode.Parse("""{"S3Key":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.zip","Name":"payments-dev-api"}""")!;
        var normalised = Normalise(node);
        Assert.Equal("""{"S3Key":"ASSET_HASH.zip","Name":"payments-dev-api"}""", normalised.ToJsonString());
    }

    /// <summary>Asset hashes change with CDK's bundled provider code, not with our intent.</summary>
    public static JsonNode Normalise(JsonNode template) =>
        JsonNode.Parse(AssetHash().Replace(template.ToJsonString(), "ASSET_HASH"))!;

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)).Order(StringComparer.Ordinal))
                {
                    if (!e.ContainsKey(key)) { differences.Add($"{path}.{key}: added"); continue; }
                    if (!a.ContainsKey(key)) { differences.Add($"{path}.{key}: removed"); continue; }
                    Compare(e[key], a[key], $"{path}.{key}", differences);
                }
                break;
            case (JsonArray e, JsonArray a):
                if (e.Count != a.Count)
                {
                    differences.Add($"{path}: {e.Count} items became {a.Count}");
                }
                for (var i = 0; i < Math.Min(e.Count, a.Count); i++)
                {
                    Compare(e[i], a[i], $"{path}[{i}]", differences);
                }
                break;
            default:
                var (left, right) = (expected?.ToJsonString() ?? "null", actual?.ToJsonString() ?? "null");
                if (left != right)
                {
                    differences.Add($"{path}: {left} -> {right}");
                }
                break;
        }
    }

    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex AssetHash();
}
