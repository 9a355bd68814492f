using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace Payments.Platform.Tests.Delivery;

/// <summary>A synthesized template as JSON nodes, for assertions that <see cref="Match"/> cannot express (counts, exact strings).</summary>
internal static class TemplateJson
{
    public static JsonObject Of(Template template) =>
        JsonNode.Parse(JsonSerializer.Serialize(template.ToJSON()))!.AsObject();

    public static IReadOnlyList<(string LogicalId, JsonObject Resource)> Resources(Template template, string type) =>
        Of(template)["Resources"]!.AsObject()
            .Where(pair => (string?)pair.Value!["Type"] == type)
            .Select(pair => (pair.Key, pair.Value!.AsObject()))
            .ToList();

    public static JsonObject Single(Template template, string type) => Assert.Single(Resources(template, type)).Resource;
}
