using System.Text;
using System.Text.Json.Nodes;
using Payments.Preflight.Loading;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Tests.Permissions.Differential;

/// <summary>
/// One request and the policies that decide it, as plain IAM JSON: the form the simulator reads, and the form our
/// model parses (through the same JSON parser that reads templates).
/// </summary>
/// <param name="Principal">A role ARN of <see cref="CaseWorld.Account"/>, or a service principal name.</param>
/// <param name="Context">The request context: keys not listed are absent.</param>
/// <param name="ResourcePolicy">The resource policy, or for a KMS key (<paramref name="IsKeyPolicy"/>) its key policy.</param>
internal sealed record DifferentialCase(
    int Id,
    string Source,
    string Principal,
    string Action,
    string Resource,
    IReadOnlyDictionary<string, string[]> Context,
    IReadOnlyList<JsonObject> Identity,
    JsonObject? Boundary,
    JsonObject? ResourcePolicy,
    bool IsKeyPolicy)
{
    public bool IsService => !Principal.StartsWith("arn:", StringComparison.Ordinal);

    public JsonObject ToSimulatorJson()
    {
        var context = new JsonObject();
        foreach (var (key, values) in Context)
        {
            // The simulator types its keys: single-valued keys take a string, multi-valued ones an array.
            context[key] = CaseWorld.MultiValuedKeys.Contains(key) ? new JsonArray([.. values.Select(v => (JsonNode)JsonValue.Create(v))]) : values.Single();
        }

        return new JsonObject
        {
            ["id"] = Id,
            ["principal"] = Principal,
            ["action"] = Action,
            ["resource"] = Resource,
            ["accountId"] = CaseWorld.Account,
            ["context"] = context,
            ["identity"] = new JsonArray([.. Identity.Select(p => p.DeepClone())]),
            ["boundary"] = Boundary?.DeepClone(),
            ["resourcePolicy"] = ResourcePolicy?.DeepClone(),
        };
    }

    public Decision EvaluateWithOurModel()
    {
        var caller = IsService ? Caller.Service(Principal) : Caller.Role(Sym.Lit(Principal), "role under test");
        var context = Context.ToDictionary(
            pair => pair.Key,
            pair => (IReadOnlyList<Sym>?)[.. pair.Value.Select(Sym.Lit)],
            StringComparer.Ordinal);
        var request = new AccessRequest(caller, Action, Sym.Lit(Resource), context, ContextComplete: true);
        var resourcePolicy = ResourcePolicy is null ? null : Parse("resource policy", ResourcePolicy);
        var policies = new PolicySet(
            [.. Identity.Select((policy, i) => Parse($"identity policy {i}", policy))],
            Boundary is null ? null : Parse("permissions boundary", Boundary),
            IsKeyPolicy ? null : resourcePolicy,
            IsKeyPolicy ? resourcePolicy : null);
        return PolicyEvaluator.Evaluate(request, policies);
    }

    public override string ToString() => ToSimulatorJson().ToJsonString(new() { WriteIndented = true });

    private static PolicyDocument Parse(string origin, JsonObject policy) =>
        PolicyDocument.Parse(origin, JsonTemplateParser.Parse(Encoding.UTF8.GetBytes(policy.ToJsonString())), PolicyDocument.LiteralOnly);
}
