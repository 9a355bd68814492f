using System.Text.Json.Nodes;
using static Payments.Preflight.Tests.Permissions.Differential.CaseWorld;

namespace Payments.Preflight.Tests.Permissions.Differential;

/// <summary>
/// Generates (policy set, request) cases from a seed: identity policies, boundaries, resource and key policies
/// whose actions, resources, principals and conditions are drawn so that roughly half of each element matches the
/// request — wildcards (* and ?), NotAction/NotResource, denies, the condition operators with IfExists and the set
/// prefixes, root delegation in key policies, service-principal callers.
/// </summary>
internal sealed class CaseGenerator(int seed)
{
    private static readonly string[] TagKeys = ["env", "team", "owner"];

    private readonly Random random = new(seed);

    public DifferentialCase Next(int id)
    {
        var call = Pick(Calls);
        var isService = call.HasResourcePolicy && !call.IsPassRole && Chance(0.25);
        var principal = isService ? Pick(ServiceCallers) : AppRole;
        var context = Context(call, isService);

        var identity = new List<JsonObject>();
        JsonObject? boundary = null;
        if (!isService)
        {
            var count = Weighted((0, 1), (1, 5), (2, 3));
            for (var i = 0; i < count; i++)
            {
                identity.Add(Policy(random.Next(1, 4), () => Statement(call, context, resourcePolicy: false)));
            }

            if (Chance(0.25))
            {
                boundary = Policy(random.Next(1, 3), () => Statement(call, context, resourcePolicy: false, allowBias: 0.85));
            }
        }

        JsonObject? resourcePolicy = null;
        if (call.IsKms)
        {
            resourcePolicy = KeyPolicy(call, context);
        }
        else if (call.HasResourcePolicy && (isService || Chance(0.6)))
        {
            resourcePolicy = Policy(random.Next(1, 4), () => Statement(call, context, resourcePolicy: true));
        }

        return new DifferentialCase(id, "generated", principal, call.Action, call.Resource, context, identity, boundary, resourcePolicy, call.IsKms);
    }

    /// <summary>A request for <paramref name="call"/> against given policies: the caller, context and identity policies vary.</summary>
    public DifferentialCase ForPolicies(int id, string source, Call call, JsonObject? resourcePolicy, IReadOnlyList<JsonObject> fixedIdentity, string[] services)
    {
        var isService = resourcePolicy is not null && services.Length > 0 && Chance(0.35);
        var principal = isService ? Pick(services) : Chance(0.8) ? AppRole : OtherRole;
        var context = Context(call, isService);
        var identity = new List<JsonObject>();
        if (!isService)
        {
            identity.AddRange(fixedIdentity);
            if (fixedIdentity.Count == 0 || Chance(0.3))
            {
                identity.Add(Policy(random.Next(1, 3), () => Statement(call, context, resourcePolicy: false)));
            }
        }

        return new DifferentialCase(id, source, principal, call.Action, call.Resource, context, identity, null, resourcePolicy, call.IsKms);
    }

    private Dictionary<string, string[]> Context(Call call, bool isService)
    {
        var context = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var secure = Weighted(("true", 45), ("false", 25), (null, 30));
        if (secure is not null)
        {
            context["aws:SecureTransport"] = [secure];
        }

        if (Chance(isService ? 0.6 : 0.1))
        {
            context["aws:SourceArn"] = [Pick(SourceArns)];
        }

        if (Chance(isService ? 0.6 : 0.05))
        {
            context["aws:SourceAccount"] = [Chance(0.8) ? Account : OtherAccount];
        }

        if (!isService && Chance(0.4))
        {
            context["aws:PrincipalTag/team"] = [Pick("payments", "Payments", "ledger")];
        }

        if (Chance(0.3))
        {
            context["aws:TagKeys"] = Chance(0.5) ? [Pick(TagKeys)] : [.. TagKeys.OrderBy(_ => random.Next()).Take(2)];
        }

        if (call.IsKms)
        {
            if (Chance(0.55))
            {
                context["kms:ViaService"] = [Pick(ViaServices)];
            }

            if (!isService)
            {
                context["kms:CallerAccount"] = [Account];
            }
        }

        if (call.Service == "sns" && Chance(0.3))
        {
            context["aws:SourceOwner"] = [Chance(0.8) ? Account : OtherAccount];
        }

        if (call.Action == "s3:PutObject" && Chance(0.5))
        {
            context["s3:x-amz-acl"] = [Pick("bucket-owner-full-control", "private")];
        }

        if (call.IsPassRole && Chance(0.7))
        {
            context["iam:PassedToService"] = [Pick("ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "codedeploy.amazonaws.com")];
        }

        return context;
    }

    private static JsonObject Policy(int statements, Func<JsonObject> statement)
    {
        var list = new JsonArray();
        for (var i = 0; i < statements; i++)
        {
            list.Add(statement());
        }

        return new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = list };
    }

    private JsonObject Statement(Call call, Dictionary<string, string[]> context, bool resourcePolicy, double allowBias = 0.7)
    {
        var statement = new JsonObject();
        if (Chance(0.2))
        {
            statement["Sid"] = $"S{random.Next(100)}";
        }

        var allow = Chance(allowBias);
        statement["Effect"] = allow ? "Allow" : "Deny";
        if (resourcePolicy)
        {
            var (principal, notPrincipal) = PrincipalElement(call, allow);
            statement[notPrincipal ? "NotPrincipal" : "Principal"] = principal;
        }

        statement[Chance(0.15) ? "NotAction" : "Action"] = OneOrMany(() => ActionPattern(call), 3);
        statement[Chance(0.12) ? "NotResource" : "Resource"] = OneOrMany(() => ResourcePattern(call), 2);
        var clauses = Weighted((0, 50), (1, 35), (2, 15));
        if (clauses > 0)
        {
            statement["Condition"] = Conditions(call, context, clauses);
        }

        return statement;
    }

    private (JsonNode Principal, bool NotPrincipal) PrincipalElement(Call call, bool allow)
    {
        // NotPrincipal is only used with Deny (with Allow it is rejected by most services).
        if (!allow && Chance(0.08))
        {
            return (new JsonObject { ["AWS"] = OneOrMany(() => Pick(AppRole, OtherRole, RootArn), 2) }, true);
        }

        var principal = Weighted<Func<JsonNode>>(
            (() => "*", 15),
            (() => new JsonObject { ["AWS"] = "*" }, 6),
            (() => new JsonObject { ["AWS"] = AppRole }, 12),
            (() => new JsonObject { ["AWS"] = OtherRole }, 6),
            (() => new JsonObject { ["AWS"] = new JsonArray(AppRole, OtherRole) }, 4),
            (() => new JsonObject { ["AWS"] = RootArn }, 10),
            (() => new JsonObject { ["AWS"] = Account }, 4),
            (() => new JsonObject { ["AWS"] = $"arn:aws:iam::{OtherAccount}:root" }, 3),
            (() => new JsonObject { ["Service"] = Pick(ServiceCallers) }, 14),
            (() => new JsonObject { ["Service"] = new JsonArray(Pick(ServiceCallers), Pick("logs.amazonaws.com", "delivery.logs.amazonaws.com")) }, 5),
            (() => new JsonObject { ["AWS"] = AppRole, ["Service"] = Pick(ServiceCallers) }, 4));
        return (principal(), false);
    }

    private string ActionPattern(Call call)
    {
        var service = call.Service;
        var name = call.Action[(service.Length + 1)..];
        var matching = Chance(0.55);
        if (matching)
        {
            var at = random.Next(name.Length);
            return Weighted(
                (call.Action, 30),
                ($"{service}:*", 12),
                ("*", 6),
                ($"{service}:{name[..3]}*", 8),
                ($"{service}:{name[..at]}?{name[(at + 1)..]}", 6),
                ($"{service}:*{name[^4..]}", 5),
                (call.Action.ToUpperInvariant(), 3),
                (call.Action.ToLowerInvariant(), 3),
                ($"{service}:{name[..2]}*{name[^2..]}", 3));
        }

        return Weighted(
            (Pick(call.Siblings), 30),
            (Pick("ec2:DescribeInstances", "s3:ListBucket", "sts:AssumeRole", "cloudwatch:PutMetricData"), 10),
            ($"{service}:{name}?", 6),
            ($"{service}:{name[..^1]}", 6),
            ($"{service}:{name}*X", 3),
            ($"{service}:{name[..3]}?", 3));
    }

    private string ResourcePattern(Call call)
    {
        var parts = call.Resource.Split(':', 6);
        var (service, region, account, resource) = (parts[2], parts[3], parts[4], parts[5]);
        var head = $"arn:aws:{service}:{region}:{account}:";
        var idStart = call.TypeLength;
        var id = resource[idStart..];
        var type = resource[..idStart];
        var matching = Chance(0.6);
        if (matching)
        {
            var at = idStart + random.Next(id.Length);
            var cut = idStart + 1 + random.Next(Math.Max(1, id.Length - 1));
            return Weighted(
                (call.Resource, 30),
                ("*", 10),
                ($"arn:aws:{service}:*:{account}:{resource}", 5),
                ($"arn:aws:{service}:{region}:*:{resource}", 4),
                ($"arn:aws:{service}:*:*:*", 4),
                ($"arn:aws:{service}:*", 3),
                ($"arn:aws:{service}:*:{resource}", 2),
                ($"arn:aws:*:{resource}", 1),
                ($"{head}{type}*", 8),
                ($"{head}{resource[..cut]}*", 8),
                ($"{head}{resource[..at]}?{resource[(at + 1)..]}", 5),
                ($"arn:aws:{service}:{(region.Length > 0 ? "*" : "")}:{account}:{type}*", 4),
                ($"{head}{(type.Length > 1 ? type[..1] + "*" + type[^1..] : "")}{id}", 1));
        }

        var other = Pick(Calls.Where(c => c.Service != service).ToArray());
        return Weighted(
            ($"{head}{type}{id}-prod", 10),
            ($"{head}{type}x{id[1..]}", 6),
            ($"{head}{type}{char.ToUpperInvariant(id[0])}{id[1..]}", 4),
            ($"arn:aws:{service}:{region}:{(account.Length > 0 ? OtherAccount : "")}:{resource}" + (account.Length > 0 ? "" : "-other"), 6),
            ($"arn:aws:{service}:{(region.Length > 0 ? "us-east-1" : "")}:{account}:{resource}" + (region.Length > 0 ? "" : "/other"), 4),
            (other.Resource, 8),
            ($"{head}{type}{id}?", 4));
    }

    private JsonObject Conditions(Call call, Dictionary<string, string[]> context, int clauses)
    {
        var block = new JsonObject();
        for (var i = 0; i < clauses; i++)
        {
            var (op, key, values) = Clause(call, context);
            if (block[op] is not JsonObject keys)
            {
                keys = [];
                block[op] = keys;
            }

            keys[key] = values.Length == 1 && Chance(0.7) ? values[0] : new JsonArray([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
        }

        return block;
    }

    private (string Operator, string Key, string[] Values) Clause(Call call, Dictionary<string, string[]> context)
    {
        var keys = new List<string> { "aws:SecureTransport", "aws:SourceArn", "aws:SourceAccount", "aws:PrincipalTag/team", "aws:TagKeys" };
        if (call.IsKms)
        {
            keys.Add("kms:ViaService");
            keys.Add("kms:ViaService");
            keys.Add("kms:CallerAccount");
        }

        if (call.Service == "sns")
        {
            keys.Add("aws:SourceOwner");
        }

        if (call.IsPassRole)
        {
            keys.Add("iam:PassedToService");
            keys.Add("iam:PassedToService");
        }

        // Half of the clauses test a key the request carries, so that they decide something.
        var present = keys.Where(context.ContainsKey).ToList();
        var key = present.Count > 0 && Chance(0.6) ? Pick(present.ToArray()) : Pick(keys.ToArray());
        if (Chance(0.08))
        {
            return ("Null", key, [Pick("true", "false")]);
        }

        return key switch
        {
            "aws:SecureTransport" => (Pick("Bool", "Bool", "BoolIfExists"), CaseOf(key), [Pick("true", "false", "True", "FALSE")]),
            "aws:SourceArn" => (Pick("ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals", "ArnLikeIfExists", "StringLike", "StringEquals", "StringNotLike", "ForAnyValue:ArnLike"), key, Values(
                () => Pick(SourceArns),
                () => $"arn:aws:cloudwatch:{Region}:{Account}:alarm:*",
                () => $"arn:aws:events:{Region}:{Account}:rule/*",
                () => $"arn:aws:*:{Region}:{Account}:*",
                () => $"arn:aws:cloudwatch:*:{Account}:alarm:High*",
                () => $"arn:aws:sns:{Region}:{OtherAccount}:alerts",
                () => "arn:aws:cloudwatch:*",
                () => $"arn:aws:*:{Account}:*",
                () => $"arn:aws:events:{Region}:{Account}:rule/nightl?")),
            "aws:SourceAccount" => (Pick("StringEquals", "StringEquals", "StringNotEquals", "StringLike", "StringEqualsIfExists", "StringNotEqualsIfExists"), CaseOf(key), Values(() => Account, () => OtherAccount, () => "1111*")),
            "aws:PrincipalTag/team" => (StringOperator(), key, Values(() => "payments", () => "Payments", () => "pay*", () => "?ayments", () => "ledger")),
            "aws:TagKeys" => (Pick("ForAnyValue:StringEquals", "ForAllValues:StringEquals", "ForAnyValue:StringLike", "ForAllValues:StringLike", "ForAllValues:StringNotEquals", "ForAnyValue:StringNotEquals", "ForAnyValue:StringEqualsIfExists", "ForAllValues:StringEqualsIgnoreCase", "ForAllValues:StringNotLike", "StringEquals", "StringNotEquals", "StringLike"), key, Values(() => "env", () => "team", () => "owner", () => "t*", () => "Env")),
            "kms:ViaService" => (StringOperator(), key, Values(() => Pick(ViaServices), () => $"*.{Region}.amazonaws.com", () => "secretsmanager.*.amazonaws.com", () => $"SNS.{Region}.amazonaws.com", () => "s3.us-east-1.amazonaws.com")),
            "aws:SourceOwner" => (Pick("StringEquals", "StringNotEquals", "StringEqualsIfExists"), CaseOf(key), Values(() => Account, () => OtherAccount)),
            "kms:CallerAccount" => (Pick("StringEquals", "StringNotEquals", "StringEqualsIfExists"), key, Values(() => Account, () => OtherAccount)),
            "iam:PassedToService" => (StringOperator(), key, Values(() => "ecs-tasks.amazonaws.com", () => "lambda.amazonaws.com", () => "ecs-tasks.*", () => "*.amazonaws.com")),
            _ => throw new InvalidOperationException(key),
        };
    }

    /// <summary>Condition key names are case-insensitive.</summary>
    private string CaseOf(string key) => Weighted((key, 8), (key.ToUpperInvariant(), 1), ("AWS" + key[3..], 1));

    private string StringOperator() => Weighted(
        ("StringEquals", 10), ("StringNotEquals", 5), ("StringLike", 8), ("StringNotLike", 4), ("StringEqualsIgnoreCase", 3),
        ("StringNotEqualsIgnoreCase", 2), ("StringEqualsIfExists", 3), ("StringLikeIfExists", 2), ("StringNotEqualsIfExists", 2), ("ForAnyValue:StringEquals", 2),
        ("ForAllValues:StringEquals", 2), ("ForAnyValue:StringLike", 1));

    private string[] Values(params Func<string>[] choices)
    {
        var count = Weighted((1, 70), (2, 25), (3, 5));
        return [.. Enumerable.Range(0, count).Select(_ => Pick(choices)()).Distinct(StringComparer.Ordinal)];
    }

    private JsonObject KeyPolicy(Call call, Dictionary<string, string[]> context)
    {
        var statements = new JsonArray();
        // Most real key policies delegate to the account; the rest must name their callers.
        if (Chance(0.6))
        {
            statements.Add(new JsonObject
            {
                ["Effect"] = "Allow",
                ["Principal"] = Chance(0.8) ? new JsonObject { ["AWS"] = RootArn } : new JsonObject { ["AWS"] = Account },
                ["Action"] = Chance(0.8) ? "kms:*" : ActionPattern(call),
                ["Resource"] = "*",
            });
        }

        var more = random.Next(Math.Max(0, 1 - statements.Count), 3);
        for (var i = 0; i < more; i++)
        {
            statements.Add(Statement(call, context, resourcePolicy: true));
        }

        return new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements };
    }

    private JsonNode OneOrMany(Func<string> item, int max)
    {
        var count = random.Next(1, max + 1);
        if (count == 1 && Chance(0.6))
        {
            return item();
        }

        return new JsonArray([.. Enumerable.Range(0, count).Select(_ => (JsonNode)JsonValue.Create(item()))]);
    }

    private bool Chance(double probability) => random.NextDouble() < probability;

    private T Pick<T>(params T[] items) => items[random.Next(items.Length)];

    private T Weighted<T>(params (T Item, int Weight)[] choices)
    {
        var roll = random.Next(choices.Sum(c => c.Weight));
        foreach (var (item, weight) in choices)
        {
            if (roll < weight)
            {
                return item;
            }

            roll -= weight;
        }

        throw new InvalidOperationException("weights");
    }
}
