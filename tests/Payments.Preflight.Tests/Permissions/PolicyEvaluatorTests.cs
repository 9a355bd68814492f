using System.Text;
using Payments.Preflight.Loading;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Tests.Permissions;

/// <summary>AWS's evaluation logic within one account, one rule per test (IAM docs, policy evaluation logic).</summary>
public sealed class PolicyEvaluatorTests
{
    private const string Account = "111122223333";
    private const string App = $"arn:aws:iam::{Account}:role/App";
    private const string Root = $"arn:aws:iam::{Account}:root";
    private const string Topic = $"arn:aws:sns:eu-west-1:{Account}:alerts";
    private const string Key = $"arn:aws:kms:eu-west-1:{Account}:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private const string PublishAnywhere = """{"Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}""";
    private const string DecryptAnyKey = """{"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}""";
    private const string RootDelegation = $$"""{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "{{Root}}"}, "Action": "kms:*", "Resource": "*"}]}""";

    private const string TlsOnlyTopicPolicy = """
        {"Statement": [{"Sid": "DenyPublishWithoutTls", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
          "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
        """;

    [Fact]
    public void An_identity_policy_allows_and_nothing_refuses()
    {
        Assert.Equal(Answer.Allowed, Evaluate(Role("sns:Publish", Topic), new([Policy(PublishAnywhere)])).Answer);
        var refused = Evaluate(Role("sns:Publish", Topic), PolicySet.None);
        Assert.Equal(Answer.Refused, refused.Answer);
        Assert.Contains("no identity policy of role App", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_explicit_deny_wins_over_any_allow()
    {
        var policies = new PolicySet([Policy(PublishAnywhere)], ResourcePolicy: Policy(TlsOnlyTopicPolicy, "topic policy"));

        var plain = Evaluate(Role("sns:Publish", Topic, ("aws:SecureTransport", "false")), policies);
        Assert.Equal(Answer.Refused, plain.Answer);
        Assert.Equal("explicitly denied by statement 'DenyPublishWithoutTls' of topic policy", plain.Reason);
        Assert.Equal(Answer.Allowed, Evaluate(Role("sns:Publish", Topic, ("aws:SecureTransport", "true")), policies).Answer);
    }

    [Theory]
    [InlineData("""{"Effect": "Allow", "NotAction": "sns:Subscribe", "Resource": "*"}""", "Allowed")]
    [InlineData("""{"Effect": "Allow", "NotAction": ["sns:Pub*"], "Resource": "*"}""", "Refused")]
    [InlineData("""{"Effect": "Allow", "Action": "sns:*", "NotResource": "arn:aws:sns:*:*:other"}""", "Allowed")]
    [InlineData("""{"Effect": "Allow", "Action": "sns:*", "NotResource": "arn:aws:sns:eu-west-1:111122223333:al*"}""", "Refused")]
    [InlineData("""{"Effect": "Allow", "Action": "SNS:PUBLISH", "Resource": "arn:aws:sns:eu-west-1:111122223333:alert?"}""", "Allowed")]
    [InlineData("""{"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:eu-west-1:111122223333:Alerts"}""", "Refused")]
    // A star ending a segment may or may not match across colons (IAM docs say it can; per-segment matching says not).
    [InlineData("""{"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:*:alerts"}""", "Unknown")]
    public void Action_and_resource_elements(string statement, string answer) =>
        Assert.Equal(Enum.Parse<Answer>(answer), Evaluate(Role("sns:Publish", Topic), new([Policy($$"""{"Statement": [{{statement}}]}""")])).Answer);

    [Fact]
    public void A_resource_policy_naming_the_role_allows_it_without_an_identity_policy()
    {
        var topicPolicy = Policy($$"""{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "{{App}}"}, "Action": "sns:Publish", "Resource": "{{Topic}}"}]}""");

        Assert.Equal(Answer.Allowed, Evaluate(Role("sns:Publish", Topic), new([], ResourcePolicy: topicPolicy)).Answer);
    }

    [Fact]
    public void A_resource_policy_naming_the_account_leaves_the_decision_to_identity_policies()
    {
        var topicPolicy = Policy($$"""{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "{{Root}}"}, "Action": "sns:Publish", "Resource": "*"}]}""");

        Assert.Equal(Answer.Refused, Evaluate(Role("sns:Publish", Topic), new([], ResourcePolicy: topicPolicy)).Answer);
        Assert.Equal(Answer.Allowed, Evaluate(Role("sns:Publish", Topic), new([Policy(PublishAnywhere)], ResourcePolicy: topicPolicy)).Answer);
    }

    [Fact]
    public void A_service_principal_is_admitted_only_by_the_resource_policy()
    {
        var eventsMayPublish = Policy($$"""
            {"Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": "{{Topic}}",
              "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:events:eu-west-1:{{Account}}:rule/*"} } }]}
            """);
        var fromRule = Service("events.amazonaws.com", "sns:Publish", Topic, ("aws:SourceArn", $"arn:aws:events:eu-west-1:{Account}:rule/nightly"));

        Assert.Equal(Answer.Allowed, Evaluate(fromRule, new([], ResourcePolicy: eventsMayPublish)).Answer);
        Assert.Equal(Answer.Refused, Evaluate(Service("cloudwatch.amazonaws.com", "sns:Publish", Topic), new([], ResourcePolicy: eventsMayPublish)).Answer);
        // The TLS-only policy replaces SNS's default policy and admits nobody.
        var tlsOnly = Evaluate(fromRule, new([Policy(PublishAnywhere)], ResourcePolicy: Policy(TlsOnlyTopicPolicy, "topic policy")));
        Assert.Equal(Answer.Refused, tlsOnly.Answer);
        Assert.Equal("no statement of topic policy allows events.amazonaws.com", tlsOnly.Reason);
    }

    [Fact]
    public void A_key_policy_must_allow_the_caller_or_delegate_to_the_account()
    {
        var direct = Policy($$"""{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "{{App}}"}, "Action": "kms:Decrypt", "Resource": "*"}]}""");
        var other = Policy($$"""{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{{Account}}:role/Other"}, "Action": "kms:*", "Resource": "*"}]}""");

        Assert.Equal(Answer.Allowed, Evaluate(Role("kms:Decrypt", Key), new([Policy(DecryptAnyKey)], KeyPolicy: Policy(RootDelegation))).Answer);
        Assert.Equal(Answer.Refused, Evaluate(Role("kms:Decrypt", Key), new([], KeyPolicy: Policy(RootDelegation))).Answer);
        Assert.Equal(Answer.Allowed, Evaluate(Role("kms:Decrypt", Key), new([], KeyPolicy: direct)).Answer);
        var noDelegation = Evaluate(Role("kms:Decrypt", Key), new([Policy(DecryptAnyKey)], KeyPolicy: other));
        Assert.Equal(Answer.Refused, noDelegation.Answer);
        Assert.Contains("neither allows role App nor delegates to the account", noDelegation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Delegation_through_a_service_only_holds_for_calls_made_through_it()
    {
        var viaSecretsManager = Policy($$"""
            {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "{{Root}}"}, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"} } }]}
            """);
        var policies = new PolicySet([Policy(DecryptAnyKey)], KeyPolicy: viaSecretsManager);

        Assert.Equal(Answer.Allowed, Evaluate(Role("kms:Decrypt", Key, ("kms:ViaService", "secretsmanager.eu-west-1.amazonaws.com")), policies).Answer);
        Assert.Equal(Answer.Refused, Evaluate(Role("kms:Decrypt", Key), policies).Answer);
    }

    [Fact]
    public void A_service_needs_the_key_policy_to_name_it()
    {
        var alarmsAndEvents = Policy($$"""
            {"Statement": [{"Effect": "Allow", "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
              "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": "{{Account}}"} } }]}
            """);

        Assert.Equal(Answer.Allowed, Evaluate(Service("cloudwatch.amazonaws.com", "kms:GenerateDataKey", Key, ("aws:SourceAccount", Account)), new([], KeyPolicy: alarmsAndEvents)).Answer);
        Assert.Equal(Answer.Refused, Evaluate(Service("cloudwatch.amazonaws.com", "kms:GenerateDataKey", Key, ("aws:SourceAccount", Account)), new([], KeyPolicy: Policy(RootDelegation))).Answer);
    }

    [Fact]
    public void A_permissions_boundary_caps_identity_and_role_arn_grants()
    {
        var boundary = Policy("""{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}""", "boundary");
        var topicPolicy = Policy($$"""{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "{{App}}"}, "Action": "sns:Publish", "Resource": "*"}]}""");

        var capped = Evaluate(Role("sns:Publish", Topic), new([Policy(PublishAnywhere)], Boundary: boundary));
        Assert.Equal(Answer.Refused, capped.Answer);
        Assert.Equal("the permissions boundary does not allow it", capped.Reason);
        Assert.Equal(Answer.Refused, Evaluate(Role("sns:Publish", Topic), new([], boundary, topicPolicy)).Answer);
        Assert.Equal(Answer.Allowed, Evaluate(Role("sns:Publish", Topic), new([Policy(PublishAnywhere)], Policy(PublishAnywhere, "boundary"))).Answer);
    }

    [Fact]
    public void A_grant_to_everyone_past_a_boundary_is_unknown()
    {
        // AWS exempts grants to the role session (not the role ARN) from the boundary; "*" names the session too, or not.
        var boundary = Policy("""{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}""", "boundary");
        var everyone = Policy("""{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*"}]}""");

        Assert.Equal(Answer.Unknown, Evaluate(Role("sns:Publish", Topic), new([], boundary, everyone)).Answer);
        Assert.Equal(Answer.Allowed, Evaluate(Role("sns:Publish", Topic), new([], null, everyone)).Answer);
    }

    [Theory]
    [InlineData($"[\"{App}\", \"{Root}\"]", false, "Allowed")]
    [InlineData($"\"arn:aws:iam::{Account}:role/Other\"", false, "Refused")]
    [InlineData($"\"{Root}\"", false, "Unknown")]
    [InlineData($"\"{App}\"", false, "Unknown")]
    [InlineData($"[\"{App}\", \"{Root}\"]", true, "Refused")]
    public void A_not_principal_deny_spares_a_role_only_with_its_account_and_no_boundary(string notPrincipal, bool boundary, string answer)
    {
        var topicPolicy = Policy($$"""{"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": {{notPrincipal}}}, "Action": "sns:*", "Resource": "*"}]}""");
        var policies = new PolicySet([Policy(PublishAnywhere)], boundary ? Policy(PublishAnywhere, "boundary") : null, topicPolicy);

        Assert.Equal(Enum.Parse<Answer>(answer), Evaluate(Role("sns:Publish", Topic), policies).Answer);
    }

    [Fact]
    public void What_the_templates_do_not_fix_is_unknown_never_refused()
    {
        var deployTimeTopic = Sym.Concat(Sym.Lit("arn:aws:sns:"), Sym.Region, Sym.Lit(":"), Sym.Account, Sym.Lit(":"), Sym.Atom("Alerts.TopicName", identity: true));
        var named = Policy($$"""{"Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "{{Topic}}"}]}""");
        var request = new AccessRequest(Caller.Role(Sym.Lit(App), "role App"), "sns:Publish", deployTimeTopic, new Dictionary<string, IReadOnlyList<Sym>?>(), ContextComplete: true);

        Assert.Equal(Answer.Unknown, PolicyEvaluator.Evaluate(request, new([named])).Answer);
        Assert.Equal(Answer.Unknown, Evaluate(Role("sns:Publish", Topic), new([PolicyDocument.Unknown("managed policy MysteryPolicy")])).Answer);
        // The TLS deny's condition cannot be told when the context is not known: unknown, not refused.
        var unknownContext = new AccessRequest(Caller.Role(Sym.Lit(App), "role App"), "sns:Publish", Sym.Lit(Topic), new Dictionary<string, IReadOnlyList<Sym>?>());
        var decision = PolicyEvaluator.Evaluate(unknownContext, new([Policy(PublishAnywhere)], ResourcePolicy: Policy(TlsOnlyTopicPolicy, "topic policy")));
        Assert.Equal(Answer.Unknown, decision.Answer);
        Assert.Equal("a deny may apply (topic policy)", decision.Reason);
    }

    private static Decision Evaluate(AccessRequest request, PolicySet policies) => PolicyEvaluator.Evaluate(request, policies);

    private static PolicyDocument Policy(string json, string origin = "policy") =>
        PolicyDocument.Parse(origin, JsonTemplateParser.Parse(Encoding.UTF8.GetBytes(json)), PolicyDocument.LiteralOnly);

    private static AccessRequest Role(string action, string resource, params (string Key, string Value)[] context) =>
        new(Caller.Role(Sym.Lit(App), "role App"), action, Sym.Lit(resource), Context(context), ContextComplete: true);

    private static AccessRequest Service(string service, string action, string resource, params (string Key, string Value)[] context) =>
        new(Caller.Service(service), action, Sym.Lit(resource), Context(context), ContextComplete: true);

    private static Dictionary<string, IReadOnlyList<Sym>?> Context((string Key, string Value)[] context) =>
        context.ToDictionary(c => c.Key, c => (IReadOnlyList<Sym>?)[Sym.Lit(c.Value)]);
}
