using Payments.Preflight.Permissions;

namespace Payments.Preflight.Tests.Permissions;

/// <summary>Condition blocks as the IAM docs define the operators; each answer also agrees with the differential judge.</summary>
public sealed class ConditionsTests
{
    private const string AlarmArn = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:HighErrors";

    [Theory]
    [InlineData("StringEquals", "111122223333", "Yes")]
    [InlineData("StringEquals", "444455556666", "No")]
    [InlineData("StringNotEquals", "444455556666", "Yes")]
    [InlineData("StringLike", "1111*", "Yes")]
    [InlineData("StringLike", "11112222333?", "Yes")]
    [InlineData("StringNotLike", "1111*", "No")]
    [InlineData("StringEqualsIfExists", "111122223333", "Yes")]
    [InlineData("ForAnyValue:StringEquals", "111122223333", "Yes")]
    [InlineData("ForAllValues:StringEquals", "444455556666", "No")]
    public void String_operators_on_a_present_key(string op, string expected, string answer) =>
        Assert.Equal(Enum.Parse<Tri>(answer), Evaluate(op, "aws:SourceAccount", [expected], ("aws:SourceAccount", ["111122223333"])));

    [Theory]
    [InlineData("StringEquals", "No")]
    [InlineData("StringLike", "No")]
    [InlineData("StringNotEquals", "Yes")]
    [InlineData("StringNotLike", "Yes")]
    [InlineData("ArnNotLike", "Yes")]
    [InlineData("StringEqualsIfExists", "Yes")]
    [InlineData("ArnLikeIfExists", "Yes")]
    [InlineData("ForAllValues:StringEquals", "Yes")]
    [InlineData("ForAnyValue:StringEquals", "No")]
    // IfExists does not rescue ForAnyValue: a set with no values has no value that matches.
    [InlineData("ForAnyValue:StringEqualsIfExists", "No")]
    public void Operators_on_an_absent_key(string op, string answer) =>
        Assert.Equal(Enum.Parse<Tri>(answer), Evaluate(op, "aws:SourceArn", [AlarmArn]));

    [Fact]
    public void Case_matters_in_values_not_in_key_names()
    {
        Assert.Equal(Tri.No, Evaluate("StringEquals", "aws:PrincipalTag/team", ["Payments"], ("aws:PrincipalTag/team", ["payments"])));
        Assert.Equal(Tri.Yes, Evaluate("StringEqualsIgnoreCase", "aws:PrincipalTag/team", ["Payments"], ("aws:PrincipalTag/team", ["payments"])));
        Assert.Equal(Tri.Yes, Evaluate("StringEquals", "AWS:SourceAccount", ["111122223333"], ("aws:SourceAccount", ["111122223333"])));
    }

    [Theory]
    [InlineData("false", "false", "Yes")]
    [InlineData("FALSE", "false", "Yes")]
    [InlineData("false", "true", "No")]
    public void Bool_secure_transport(string expected, string actual, string answer) =>
        Assert.Equal(Enum.Parse<Tri>(answer), Evaluate("Bool", "aws:SecureTransport", [expected], ("aws:SecureTransport", [actual])));

    [Fact]
    public void Tls_only_deny_does_not_apply_when_transport_is_unknown_or_absent()
    {
        Assert.Equal(Tri.No, Evaluate("Bool", "aws:SecureTransport", ["false"]));
        Assert.Equal(Tri.Unknown, Evaluate("Bool", "aws:SecureTransport", ["false"], complete: false));
        Assert.Equal(Tri.Yes, Evaluate("BoolIfExists", "aws:SecureTransport", ["false"]));
    }

    [Theory]
    [InlineData("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*", "Yes")]
    [InlineData("arn:aws:cloudwatch:*:111122223333:alarm:High*", "Yes")]
    [InlineData("arn:aws:events:eu-west-1:111122223333:rule/*", "No")]
    [InlineData("arn:aws:cloudwatch:eu-west-1:444455556666:alarm:*", "No")]
    // Fewer than six segments is not an ARN; AWS does not say what ArnLike does with it.
    [InlineData("arn:aws:cloudwatch:*", "Unknown")]
    // A star ending a segment may match across colons (IAM docs) or not (per-segment matching): unknown.
    [InlineData("arn:aws:*:111122223333:alarm:HighErrors", "Unknown")]
    public void ArnLike_source_arn(string pattern, string answer) =>
        Assert.Equal(Enum.Parse<Tri>(answer), Evaluate("ArnLike", "aws:SourceArn", [pattern], ("aws:SourceArn", [AlarmArn])));

    [Fact]
    public void Kms_via_service_and_passed_to_service()
    {
        Assert.Equal(Tri.Yes, Evaluate("StringEquals", "kms:ViaService", ["secretsmanager.eu-west-1.amazonaws.com"], ("kms:ViaService", ["secretsmanager.eu-west-1.amazonaws.com"])));
        Assert.Equal(Tri.No, Evaluate("StringEquals", "kms:ViaService", ["secretsmanager.eu-west-1.amazonaws.com"], ("kms:ViaService", ["sns.eu-west-1.amazonaws.com"])));
        Assert.Equal(Tri.No, Evaluate("StringEquals", "kms:ViaService", ["secretsmanager.eu-west-1.amazonaws.com"]));
        Assert.Equal(Tri.Yes, Evaluate("StringLike", "iam:PassedToService", ["ecs-tasks.*"], ("iam:PassedToService", ["ecs-tasks.amazonaws.com"])));
    }

    [Theory]
    [InlineData("ForAllValues:StringEquals", new[] { "env", "team" }, "Yes")]
    [InlineData("ForAllValues:StringEquals", new[] { "env" }, "No")]
    [InlineData("ForAnyValue:StringEquals", new[] { "owner", "team" }, "Yes")]
    [InlineData("ForAnyValue:StringEquals", new[] { "owner" }, "No")]
    [InlineData("ForAllValues:StringNotEquals", new[] { "owner" }, "Yes")]
    [InlineData("ForAnyValue:StringNotEquals", new[] { "env", "team" }, "No")]
    // A multivalued key needs a set operator; what a bare one does is not documented.
    [InlineData("StringEquals", new[] { "env", "team" }, "Unknown")]
    public void Set_operators_on_a_multivalued_key(string op, string[] expected, string answer) =>
        Assert.Equal(Enum.Parse<Tri>(answer), Evaluate(op, "aws:TagKeys", expected, ("aws:TagKeys", ["env", "team"])));

    [Fact]
    public void Null_tests_presence()
    {
        Assert.Equal(Tri.Yes, Evaluate("Null", "aws:SourceArn", ["true"]));
        Assert.Equal(Tri.No, Evaluate("Null", "aws:SourceArn", ["false"]));
        Assert.Equal(Tri.Yes, Evaluate("Null", "aws:SourceArn", ["false"], ("aws:SourceArn", [AlarmArn])));
    }

    [Fact]
    public void Clauses_are_anded_and_unmodelled_operators_are_unknown()
    {
        var context = Request(true, ("aws:SourceAccount", ["111122223333"]), ("aws:SecureTransport", ["true"]));
        var both = new ConditionClause[] { new("StringEquals", "aws:SourceAccount", [Sym.Lit("111122223333")]), new("Bool", "aws:SecureTransport", [Sym.Lit("false")]) };
        var numeric = new ConditionClause[] { new("NumericLessThan", "aws:SourceAccount", [Sym.Lit("5")]) };

        Assert.Equal(Tri.No, Conditions.Evaluate(both, context));
        Assert.Equal(Tri.Unknown, Conditions.Evaluate(numeric, context));
        Assert.Equal(Tri.Unknown, Conditions.Evaluate(null, context));
    }

    [Fact]
    public void A_value_only_deploy_time_decides_is_unknown() =>
        Assert.Equal(Tri.Unknown, Conditions.Evaluate([new("StringEquals", "aws:SourceAccount", [Sym.Account])], Request(true, ("aws:SourceAccount", ["111122223333"]))));

    private static Tri Evaluate(string op, string key, string[] expected, params (string Key, string[] Values)[] context) =>
        Evaluate(op, key, expected, complete: true, context);

    private static Tri Evaluate(string op, string key, string[] expected, bool complete, params (string Key, string[] Values)[] context) =>
        Conditions.Evaluate([new ConditionClause(op, key, [.. expected.Select(Sym.Lit)])], Request(complete, context));

    private static AccessRequest Request(bool complete, params (string Key, string[] Values)[] context) => new(
        Caller.Role(Sym.Lit("arn:aws:iam::111122223333:role/App"), "role App"),
        "sns:Publish",
        Sym.Lit("arn:aws:sns:eu-west-1:111122223333:alerts"),
        context.ToDictionary(c => c.Key, c => (IReadOnlyList<Sym>?)[.. c.Values.Select(Sym.Lit)]),
        complete);
}
