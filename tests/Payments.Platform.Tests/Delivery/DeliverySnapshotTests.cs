using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// Golden snapshots of the pipeline stack and of each environment's blue/green resources (the
/// <c>BlueGreen*</c> part of the platform stack). Regenerate with
/// <c>PAYMENTS_UPDATE_SNAPSHOTS=1 dotnet test tests/Payments.Platform.Tests --filter "FullyQualifiedName~Delivery"</c>
/// and review the diff.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class DeliverySnapshotTests(DeliveredApp app) : IClassFixture<DeliveredApp>
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Fact]
    public void The_pipeline_stack_matches_its_snapshot() =>
        Check("pipeline.json", SnapshotTests.Normalise(TemplateJson.Of(app.Pipeline)));

    [Theory]
    [MemberData(nameof(Environments))]
    public void Each_blue_green_deployment_matches_its_snapshot(string env)
    {
        var resources = new JsonObject();
        foreach (var (id, resource) in TemplateJson.Of(app.Platform[env])["Resources"]!.AsObject().Where(r => r.Key.StartsWith("BlueGreen", StringComparison.Ordinal)))
        {
            resources[id] = resource!.DeepClone();
        }
        Assert.True(resources.Count >= 10, $"expected the blue/green resources in the {env} platform stack, found {resources.Count}");
        Check($"{env}.blue-green.json", SnapshotTests.Normalise(new JsonObject { ["Resources"] = resources }));
    }

    private static void Check(string name, JsonNode actual)
    {
        var path = Path.Combine(Repository.Root, "tests", "Payments.Platform.Tests", "Delivery", "Snapshots", name);
        if (Environment.GetEnvironmentVariable(SnapshotTests.UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual.ToJsonString(Indented) + "\n");
        }
        Assert.True(File.Exists(path), $"no snapshot at {path}; run with {SnapshotTests.UpdateVariable}=1 to create it");
        var expected = JsonNode.Parse(File.ReadAllText(path))!;
        var differences = new List<string>();
        Compare(expected, actual, "$", differences);
        Assert.True(differences.Count == 0, $"{name} differs ({differences.Count}; {SnapshotTests.UpdateVariable}=1 regenerates):\n{string.Join('\n', differences.Take(15))}");
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        if (expected is JsonObject e && actual is JsonObject a)
        {
            foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                if (!e.ContainsKey(key) || !a.ContainsKey(key))
                {
                    differences.Add($"{path}.{key}: {(e.ContainsKey(key) ? "removed" : "added")}");
                    continue;
                }
                Compare(e[key], a[key], $"{path}.{key}", differences);
            }
        }
        else if (expected is JsonArray ea && actual is JsonArray aa && ea.Count == aa.Count)
        {
            for (var i = 0; i < ea.Count; i++)
            {
                Compare(ea[i], aa[i], $"{path}[{i}]", differences);
            }
        }
        else if (!JsonNode.DeepEquals(expected, actual))
        {
            differences.Add($"{path}: {Shorten(expected)} -> {Shorten(actual)}");
        }
    }

    private static string Shorten(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length > 160 ? text[..160] + "…" : text;
    }
}
