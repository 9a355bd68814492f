using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

/// <summary>
/// What every permission-flow rule does with a call: ask the model, and report only a call that is certainly
/// refused (unknown is never a finding), naming caller, action, resource, the deciding statement and the fix.
/// </summary>
internal static class FlowCheck
{
    /// <summary>The context of a call a role makes itself, over TLS.</summary>
    public static Dictionary<string, IReadOnlyList<Sym>?> Direct(RuleContext context, Caller caller) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["aws:SecureTransport"] = [Sym.Lit("true")],
        ["aws:PrincipalArn"] = [caller.Arn],
        ["aws:PrincipalAccount"] = [context.Symbols.Account],
        ["aws:SourceArn"] = null,
        ["aws:SourceAccount"] = null,
        ["kms:ViaService"] = null,
    };

    /// <summary>The context of a call a service principal makes on behalf of a resource (an alarm, a rule, a topic).</summary>
    public static Dictionary<string, IReadOnlyList<Sym>?> OnBehalfOf(RuleContext context, Sym? sourceArn) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["aws:SecureTransport"] = [Sym.Lit("true")],
        ["aws:SourceArn"] = sourceArn is null ? null : [sourceArn],
        ["aws:SourceAccount"] = [context.Symbols.Account],
        ["kms:ViaService"] = null,
    };

    /// <summary>The context of a KMS call a service makes with the caller's credentials (SNS, SQS, S3, Secrets Manager, SSM).</summary>
    public static Dictionary<string, IReadOnlyList<Sym>?> Via(RuleContext context, Caller caller, string service)
    {
        var values = caller.IsService ? OnBehalfOf(context, null) : Direct(context, caller);
        values["kms:ViaService"] = [Sym.Concat(Sym.Lit(service + "."), context.Symbols.Region, Sym.Lit(".amazonaws.com"))];
        values["kms:CallerAccount"] = [context.Symbols.Account];
        if (caller.IsService)
        {
            values.Remove("aws:SourceArn");
        }

        return values;
    }

    public static AccessRequest Request(Caller caller, string action, Sym resource, Dictionary<string, IReadOnlyList<Sym>?> context) => new(caller, action, resource, context);

    /// <summary>Evaluates every call; reports each refused one on <paramref name="at"/> and returns true when any was.</summary>
    public static bool Require(RuleContext context, Resource at, string? path, Node? node, IEnumerable<(AccessRequest Request, Target Target)> calls, string consequence, string fix)
    {
        var refused = new List<(AccessRequest Request, Target Target, Decision Decision)>();
        foreach (var (request, target) in calls)
        {
            var decision = context.Access.Check(request, target);
            context.AccessChecks.Add(new AccessCheck(context.CurrentRule!.Id, context.Template.Path, request.Caller.Display, request.Action, $"{target.Display} ({request.Resource})", decision.Answer.ToString(), decision.Reason));
            if (decision.Refused)
            {
                refused.Add((request, target, decision));
            }
        }

        if (refused.Count == 0)
        {
            return false;
        }

        var first = refused[0];
        var actions = string.Join(", ", refused.Where(r => r.Target.Display == first.Target.Display && r.Request.Caller == first.Request.Caller).Select(r => r.Request.Action).Distinct());
        var more = refused.Count(r => r.Target.Display != first.Target.Display || r.Request.Caller != first.Request.Caller);
        context.Report(at, path, node,
            $"{first.Request.Caller.Display} may not {actions} on {first.Target.Display} ({first.Request.Resource}): {first.Decision.Reason}; {consequence}. Fix: {fix}"
            + (more > 0 ? $" ({more} more refused call(s) of this flow: " + string.Join("; ", refused.Skip(1).Where(r => r.Target.Display != first.Target.Display || r.Request.Caller != first.Request.Caller).Take(3).Select(r => $"{r.Request.Caller.Display} {r.Request.Action} on {r.Target.Display}")) + ")" : string.Empty));
        return true;
    }

    /// <summary>The ARN a key node resolves to (for the request), with a target for its key policy.</summary>
    public static (Sym Arn, Target Target)? KeyTarget(RuleContext context, Node? keyNode) => KeyTarget(context, context.Template, keyNode);

    public static IEnumerable<(AccessRequest, Target)> Calls(Caller caller, IEnumerable<string> actions, Sym resource, Target target, Dictionary<string, IReadOnlyList<Sym>?> requestContext) =>
        actions.Select(action => (Request(caller, action, resource, requestContext), target));

    /// <summary>
    /// The calls that delivering a message to <paramref name="destination"/> makes: sns:Publish to a topic, sqs:SendMessage
    /// to a queue, lambda:InvokeFunction on a function, plus kms:GenerateDataKey/kms:Decrypt on the destination's key
    /// when it is encrypted with a key of the run. Empty for other destinations.
    /// </summary>
    public static List<(AccessRequest, Target)> Deliver(RuleContext context, Caller caller, Sym destination, Dictionary<string, IReadOnlyList<Sym>?> callContext)
    {
        var calls = new List<(AccessRequest, Target)>();
        var (action, types, service) = destination switch
        {
            _ when destination.StartsWith("arn:aws:sns:") => ("sns:Publish", "AWS::SNS::Topic", "sns"),
            _ when destination.StartsWith("arn:aws:sqs:") || destination.StartsWith("https://sqs.") => ("sqs:SendMessage", "AWS::SQS::Queue", "sqs"),
            _ when destination.StartsWith("arn:aws:lambda:") => ("lambda:InvokeFunction", "AWS::Lambda::Function", "lambda"),
            _ => (null, null, null),
        };
        if (action is null)
        {
            if (context.Access.Locate(destination, "AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::Lambda::Function") is not { } inRun)
            {
                return calls;
            }

            (action, types, service) = inRun.Resource.Type switch
            {
                "AWS::SNS::Topic" => ("sns:Publish", "AWS::SNS::Topic", "sns"),
                "AWS::SQS::Queue" => ("sqs:SendMessage", "AWS::SQS::Queue", "sqs"),
                _ => ("lambda:InvokeFunction", "AWS::Lambda::Function", "lambda"),
            };
        }

        if (context.Access.Locate(destination, types!) is not { } found)
        {
            calls.Add((Request(caller, action, destination, callContext), Target.External(destination.ToString())));
            return calls;
        }

        var arn = context.Access.Resolver(found.Template).Arn(found.Resource);
        calls.Add((Request(caller, action, arn, callContext), context.Access.TargetOf(found.Template, found.Resource)));
        if (service != "lambda" && KeyTarget(context, found.Template, found.Resource.Property("KmsMasterKeyId")) is { } key)
        {
            var kmsContext = caller.IsService ? new Dictionary<string, IReadOnlyList<Sym>?>(callContext, StringComparer.OrdinalIgnoreCase) : Via(context, caller, service!);
            if (caller.IsService)
            {
                // A service publishing to an encrypted topic or queue calls KMS with its source (the alarm, the rule);
                // whether the request also names the intermediary service is not documented: unknown.
                kmsContext.Remove("kms:ViaService");
            }

            calls.Add((Request(caller, "kms:GenerateDataKey", key.Arn, kmsContext), key.Target));
            calls.Add((Request(caller, "kms:Decrypt", key.Arn, kmsContext), key.Target));
        }
        else if (service != "lambda" && caller.IsService && AwsManagedKey(context, found.Template, found.Resource.Property("KmsMasterKeyId"), service!) is { } managed)
        {
            // A service principal calls KMS itself, not through the destination's service in our account.
            var kmsContext = new Dictionary<string, IReadOnlyList<Sym>?>(callContext, StringComparer.OrdinalIgnoreCase) { ["kms:ViaService"] = null, ["kms:CallerAccount"] = null };
            calls.Add((Request(caller, "kms:GenerateDataKey", managed.Arn, kmsContext), managed.Target));
            calls.Add((Request(caller, "kms:Decrypt", managed.Arn, kmsContext), managed.Target));
        }

        return calls;
    }

    /// <summary>
    /// An AWS managed key (alias/aws/sns, alias/aws/sqs): its key policy is fixed by AWS and admits only principals of
    /// the account calling through that service — never another service's principal (CloudWatch, EventBridge, SNS, S3),
    /// which is why those cannot deliver to a topic or queue encrypted with it.
    /// </summary>
    private static (Sym Arn, Target Target)? AwsManagedKey(RuleContext context, Template template, Node? keyNode, string service)
    {
        var symbols = context.Access.Resolver(template);
        if (keyNode is null || symbols.Resolve(keyNode) is not { } value || !IsAwsManagedAlias(value))
        {
            return null;
        }

        var origin = $"the key policy of the AWS managed key {value} (fixed by AWS)";
        var policy = new PolicyDocument(origin,
        [
            new Statement("Allow access through the service for all principals in the account that are authorized to use it", Effect.Allow,
                new PrincipalSpec(false, new Dictionary<string, IReadOnlyList<Sym>?> { ["AWS"] = [Sym.Lit("*")] }), false,
                [Sym.Lit("kms:Encrypt"), Sym.Lit("kms:Decrypt"), Sym.Lit("kms:ReEncrypt*"), Sym.Lit("kms:GenerateDataKey*"), Sym.Lit("kms:DescribeKey")], false,
                [Sym.Lit("*")], false,
                [new ConditionClause("StringEquals", "kms:CallerAccount", [symbols.Account]),
                 new ConditionClause("StringEquals", "kms:ViaService", [Sym.Concat(Sym.Lit(service + "."), symbols.Region, Sym.Lit(".amazonaws.com"))])],
                false, null),
        ]);
        var arn = value.StartsWith("arn:") ? value : Sym.Concat(Sym.Lit("arn:aws:kms:"), symbols.Region, Sym.Lit(":"), symbols.Account, Sym.Lit(":"), value);
        return (arn, new Target($"the AWS managed key {value}", null, policy));
    }

    /// <summary><see cref="KeyTarget(RuleContext, Node?)"/> for a key property of a resource in another template of the run.</summary>
    public static (Sym Arn, Target Target)? KeyTarget(RuleContext context, Template template, Node? keyNode)
    {
        if (keyNode is null || context.Access.Resolver(template).Resolve(keyNode) is not { } value || IsAwsManagedAlias(value))
        {
            return null;
        }

        if (context.Access.Locate(value, "AWS::KMS::Key") is { } found)
        {
            return (context.Access.Resolver(found.Template).Arn(found.Resource), context.Access.TargetOf(found.Template, found.Resource));
        }

        return value.StartsWith("arn:") ? (value, Target.External(value.ToString(), kms: true)) : null;
    }

    /// <summary>alias/aws/SERVICE, by name or as an alias ARN: a key AWS manages, not one of the run.</summary>
    private static bool IsAwsManagedAlias(Sym value) =>
        value.StartsWith("alias/aws/") || (value.StartsWith("arn:") && value.Split(':') is { Count: 6 } parts && parts[5].StartsWith("alias/aws/"));

    /// <summary>The call a service makes to assume a role: judged by the role's trust policy.</summary>
    public static (AccessRequest, Target) AssumeRole(RuleContext context, RoleInfo role, string service) =>
        (Request(Caller.Service(service), "sts:AssumeRole", role.Arn, OnBehalfOf(context, null)),
         new Target($"the trust policy of role {role.Resource.LogicalId}", PolicyDocument.Parse($"the trust policy of role {role.Resource.LogicalId}", role.Resource.Property("AssumeRolePolicyDocument"), n => context.Access.Resolver(role.Template).Resolve(n))));
}
