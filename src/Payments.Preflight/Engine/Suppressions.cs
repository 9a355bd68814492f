using Payments.Preflight.Model;

namespace Payments.Preflight.Engine;

/// <summary>
/// Suppressions live in Metadata (the resource's, or the template's for every resource):
/// <c>Metadata: { preflight: { suppress: [ { id: PF603, reason: "why this is safe" } ] } }</c>.
/// A reason is mandatory; a suppression without one is itself reported and suppresses nothing.
/// </summary>
internal sealed class Suppressions
{
    private readonly List<(string? Resource, string Prefix)> entries = [];

    public List<Finding> Problems { get; } = [];

    public static Suppressions Read(Template template)
    {
        var suppressions = new Suppressions();
        suppressions.ReadFrom(template, template.Root["Metadata"], null, "Metadata");
        foreach (var resource in template.Resources.Values)
        {
            suppressions.ReadFrom(template, resource.Body["Metadata"], resource.LogicalId, $"{resource.BodyPath}/Metadata");
        }

        return suppressions;
    }

    public bool IsSuppressed(Finding finding) =>
        entries.Any(e => (e.Resource is null || string.Equals(e.Resource, finding.Resource, StringComparison.Ordinal))
            && finding.RuleId.StartsWith(e.Prefix, StringComparison.OrdinalIgnoreCase));

    private void ReadFrom(Template template, Node? metadata, string? resource, string path)
    {
        if (metadata is not MappingNode map || map["preflight"] is not MappingNode preflight || preflight["suppress"] is not { } suppress)
        {
            return;
        }

        if (suppress is not SequenceNode list)
        {
            Problems.Add(Problem(template, resource, $"{path}/preflight/suppress", suppress, "preflight.suppress must be a list of { id, reason }"));
            return;
        }

        for (var i = 0; i < list.Items.Count; i++)
        {
            var item = list.Items[i] as MappingNode;
            var id = (item?["id"] as ScalarNode)?.Value;
            var reason = (item?["reason"] as ScalarNode)?.Value;
            if (string.IsNullOrWhiteSpace(id))
            {
                Problems.Add(Problem(template, resource, $"{path}/preflight/suppress/{i}", list.Items[i], "a suppression needs an 'id' (a rule ID or prefix)"));
            }
            else if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 10)
            {
                Problems.Add(Problem(template, resource, $"{path}/preflight/suppress/{i}", list.Items[i], $"the suppression of {id} has no reason (at least 10 characters saying why it is safe), so it is not applied"));
            }
            else
            {
                entries.Add((resource, id.Trim()));
            }
        }
    }

    private static Finding Problem(Template template, string? resource, string path, Node node, string message) =>
        new(RuleIds.SuppressionWithoutReason, Severity.Error, template.Path, resource, path, node.Line, message);
}
