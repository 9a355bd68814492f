using System.Text;
using System.Text.Json.Nodes;
using Payments.Preflight.Loading;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Platform.Tests;

/// <summary>
/// Questions "may this caller do that to this resource?" about one synthesized template, answered by preflight's
/// permission model (<see cref="AccessModel"/>: the caller's identity policies, the resource's policy and, for KMS,
/// the key policy, evaluated as AWS does within one account). Unknown is an answer too: a test that expects
/// Allowed or Refused fails on it.
/// </summary>
internal sealed class TemplateAccess
{
    private readonly Template template;
    private readonly AccessModel model;

    public TemplateAccess(JsonObject json, string account, string region)
    {
        template = TemplateLoader.FromBytes("template.json", Encoding.UTF8.GetBytes(json.ToJsonString()), null, new Dictionary<string, string>());
        template.Account = account;
        template.Region = region;
        model = new AccessModel([template]);
    }

    /// <summary>An AWS service acting on its own behalf, e.g. <c>cloudwatch.amazonaws.com</c>.</summary>
    public static Caller Service(string principal) => Caller.Service(principal);

    /// <summary>The role with this logical id, with every identity policy the template attaches to it.</summary>
    public Caller Role(string logicalId) => model.Roles.Single(r => r.Resource.LogicalId == logicalId).Caller;

    /// <summary>A call on a resource of the template (its ARN; its resource or key policy applies).</summary>
    public Answer Ask(Caller caller, string action, string resourceLogicalId, IReadOnlyDictionary<string, string>? context = null)
    {
        var resource = template.Resources[resourceLogicalId];
        var arn = model.Resolver(template).Arn(resource);
        return model.Check(Request(caller, action, arn, context), model.TargetOf(template, resource)).Answer;
    }

    /// <summary>A call on a resource named by its ARN or <c>*</c> (a resource outside the template, or an action without one).</summary>
    public Answer AskArn(Caller caller, string action, string arn, IReadOnlyDictionary<string, string>? context = null) =>
        model.Check(Request(caller, action, Sym.Lit(arn), context), arn == "*" ? Target.NoResourcePolicy : model.TargetOf(Sym.Lit(arn), kms: false)).Answer;

    private static AccessRequest Request(Caller caller, string action, Sym resource, IReadOnlyDictionary<string, string>? context) =>
        new(caller, action, resource,
            (context ?? new Dictionary<string, string>()).ToDictionary(c => c.Key, c => (IReadOnlyList<Sym>?)[Sym.Lit(c.Value)]),
            ContextComplete: true);
}
