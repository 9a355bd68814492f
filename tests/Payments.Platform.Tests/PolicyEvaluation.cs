using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Payments.Platform.Tests;

/// <summary>A request to evaluate: who asks, for what, on which resource, with which request context.</summary>
/// <param name="Principal">For resource policies: <c>("Service", "cloudwatch.amazonaws.com")</c> or <c>("AWS", arn)</c>; ignored for identity policies.</param>
/// <param name="Resource">The resource as it appears in the template after <see cref="PolicyEvaluation.Resolve"/>, e.g. <c>${Ref:Topic}</c>.</param>
public sealed record PolicyRequest(string Action, string Resource, (string Kind, string Id)? Principal = null, IReadOnlyDictionary<string, string>? Context = null);

/// <summary>
/// IAM's evaluation of one policy's statements, enough for the templates the platform synthesizes: an
/// explicit deny wins, otherwise an allow whose action, resource, principal and every condition match.
/// A condition key missing from the request context does not match (as in IAM, no <c>IfExists</c>).
/// Intrinsics resolve to text: pseudo parameters to the account and region given, <c>Ref</c> and
/// <c>Fn::GetAtt</c> to <c>${Ref:Id}</c> / <c>${GetAtt:Id.Attr}</c>, <c>Fn::Join</c> concatenates.
/// </summary>
public sealed class PolicyEvaluation(string account, string region, string partition = "aws")
{
    public bool Allows(IEnumerable<JsonObject> statements, PolicyRequest request)
    {
        var list = statements.ToList();
        var matching = list.Where(s => Matches(s, request)).ToList();
        return matching.All(s => s["Effect"]!.GetValue<string>() != "Deny")
            && matching.Any(s => s["Effect"]!.GetValue<string>() == "Allow");
    }

    /// <summary>Statements of every <c>AWS::IAM::Policy</c> attached to the role and of the role's inline policies.</summary>
    public static IReadOnlyList<JsonObject> IdentityStatements(JsonObject template, string roleLogicalId)
    {
        var reference = $"{{\"Ref\":\"{roleLogicalId}\"}}";
        var resources = template["Resources"]!.AsObject();
        var attached = resources
            .Where(pair => pair.Value!["Type"]!.GetValue<string>() == "AWS::IAM::Policy")
            .Where(pair => pair.Value!["Properties"]!["Roles"]!.AsArray().Any(r => r!.ToJsonString() == reference))
            .SelectMany(pair => StatementsOf(pair.Value!["Properties"]!["PolicyDocument"]!));
        var inline = (resources[roleLogicalId]!["Properties"]!["Policies"]?.AsArray() ?? [])
            .SelectMany(policy => StatementsOf(policy!["PolicyDocument"]!));
        return [.. attached, .. inline];
    }

    /// <summary>Statements of every <c>AWS::SNS::TopicPolicy</c> naming the topic.</summary>
    public static IReadOnlyList<JsonObject> TopicPolicyStatements(JsonObject template, string topicLogicalId)
    {
        var reference = $"{{\"Ref\":\"{topicLogicalId}\"}}";
        return [.. template["Resources"]!.AsObject()
            .Where(pair => pair.Value!["Type"]!.GetValue<string>() == "AWS::SNS::TopicPolicy")
            .Where(pair => pair.Value!["Properties"]!["Topics"]!.AsArray().Any(t => t!.ToJsonString() == reference))
            .SelectMany(pair => StatementsOf(pair.Value!["Properties"]!["PolicyDocument"]!))];
    }

    public static IReadOnlyList<JsonObject> KeyPolicyStatements(JsonObject template, string keyLogicalId) =>
        StatementsOf(template["Resources"]![keyLogicalId]!["Properties"]!["KeyPolicy"]!);

    private static List<JsonObject> StatementsOf(JsonNode document) =>
        [.. document["Statement"]!.AsArray().Select(s => s!.AsObject())];

    private bool Matches(JsonObject statement, PolicyRequest request)
    {
        if (!Values(statement["Action"]).Any(pattern => Wildcard(pattern, request.Action, ignoreCase: true)))
        {
            return false;
        }
        if (!Values(statement["Resource"]).Any(pattern => Wildcard(pattern, request.Resource, ignoreCase: false)))
        {
            return false;
        }
        if (statement["Principal"] is { } principal && !PrincipalMatches(principal, request.Principal))
        {
            return false;
        }
        return statement["Condition"] is not JsonObject conditions || conditions.All(c => ConditionMatches(c.Key, c.Value!.AsObject(), request.Context));
    }

    private bool PrincipalMatches(JsonNode principal, (string Kind, string Id)? who)
    {
        if (principal is JsonValue value)
        {
            return value.GetValue<string>() == "*";
        }
        // {"AWS": "*"} means everyone, service principals included (IAM reference: Principal element).
        if (Values(principal["AWS"]).Contains("*"))
        {
            return true;
        }
        return who is { } asking && Values(principal[asking.Kind]).Contains(asking.Id);
    }

    private bool ConditionMatches(string op, JsonObject keys, IReadOnlyDictionary<string, string>? context)
    {
        foreach (var (key, expected) in keys)
        {
            if (context is null || !context.TryGetValue(key, out var actual))
            {
                return false;
            }
            var patterns = Values(expected);
            var matched = op switch
            {
                "StringEquals" or "ArnEquals" => patterns.Any(p => p == actual),
                "StringLike" or "ArnLike" => patterns.Any(p => Wildcard(p, actual, ignoreCase: false)),
                "Bool" => patterns.Any(p => string.Equals(p, actual, StringComparison.OrdinalIgnoreCase)),
                _ => throw new NotSupportedException($"condition operator {op} is not modelled; extend {nameof(PolicyEvaluation)}"),
            };
            if (!matched)
            {
                return false;
            }
        }
        return true;
    }

    private List<string> Values(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => [.. array.Select(item => Resolve(item!))],
        _ => [Resolve(node)],
    };

    /// <summary>A template value as text (see the class comment for intrinsics).</summary>
    public string Resolve(JsonNode node)
    {
        switch (node)
        {
            case JsonValue value:
                return value.ToString();
            case JsonObject obj when obj["Ref"] is { } reference:
                return reference.GetValue<string>() switch
                {
                    "AWS::AccountId" => account,
                    "AWS::Region" => region,
                    "AWS::Partition" => partition,
                    "AWS::URLSuffix" => "amazonaws.com",
                    var id => $"${{Ref:{id}}}",
                };
            case JsonObject obj when obj["Fn::GetAtt"] is JsonArray getAtt:
                return $"${{GetAtt:{getAtt[0]}.{getAtt[1]}}}";
            case JsonObject obj when obj["Fn::Join"] is JsonArray join:
                return string.Join(join[0]!.GetValue<string>(), join[1]!.AsArray().Select(part => Resolve(part!)));
            default:
                throw new NotSupportedException($"intrinsic not modelled: {node.ToJsonString()}");
        }
    }

    private static bool Wildcard(string pattern, string value, bool ignoreCase)
    {
        var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(value, regex, ignoreCase ? RegexOptions.IgnoreCase | RegexOptions.Singleline : RegexOptions.Singleline);
    }
}
