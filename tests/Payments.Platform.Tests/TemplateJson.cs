using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace Payments.Platform.Tests;

/// <summary>
/// The tests' one way to query a synthesized template as JSON nodes, for what <see cref="Match"/> cannot express
/// (counts, exact strings, following references); fine-grained property checks use CDK's <see cref="Template"/>.
/// </summary>
internal static class TemplateJson
{
    public static JsonObject Of(Template template) =>
        JsonNode.Parse(JsonSerializer.Serialize(template.ToJSON()))!.AsObject();

    /// <summary>(logical id, resource) of every resource of <paramref name="type"/>.</summary>
    public static IReadOnlyList<(string LogicalId, JsonObject Resource)> Resources(JsonObject template, string type) =>
        [.. template["Resources"]!.AsObject()
            .Where(pair => (string?)pair.Value!["Type"] == type)
            .Select(pair => (pair.Key, pair.Value!.AsObject()))];

    public static IReadOnlyList<(string LogicalId, JsonObject Resource)> Resources(Template template, string type) => Resources(Of(template), type);

    public static JsonObject Single(Template template, string type) => Assert.Single(Resources(template, type)).Resource;
}

public static class Json
{
    /// <summary>AWS managed policies that exist and are current; anything else attached is a finding (seed 001).</summary>
    public static readonly string[] CurrentManagedPolicies =
    [
        "service-role/AWSLambdaBasicExecutionRole",
        "service-role/AWSLambdaVPCAccessExecutionRole",
        "AWSCodeDeployRoleForECS",
    ];

    public static bool IsCurrentManagedPolicy(string arnJson) =>
        CurrentManagedPolicies.Any(name => arnJson.Contains($":iam::aws:policy/{name}\"", StringComparison.Ordinal));

    public static JsonNode Props(this JsonObject resource) => resource["Properties"]!;

    /// <summary>The string value, or "" when the property is absent (resources other constructs add may lack it).</summary>
    public static string Str(this JsonNode? node) => node is null ? "" : node.GetValue<string>();

    public static int Number(this JsonNode? node) => node!.GetValue<int>();

    public static IEnumerable<JsonNode> Items(this JsonNode? node) => node?.AsArray().Select(item => item!) ?? [];

    /// <summary>The whole node as compact JSON, for "contains" checks over intrinsic functions.</summary>
    public static string Text(this JsonNode? node) => node?.ToJsonString() ?? "null";
}
