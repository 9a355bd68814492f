using System.Text.Json.Nodes;

namespace Payments.Platform.Tests;

/// <summary>
/// Who can publish to the operations and security topics. Their topic policies replace SNS's default policy
/// (which admitted CloudWatch), and they are encrypted with the environment key, so each publishing service
/// needs both the topic policy and the key policy.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class AlertingTests(SynthesizedEnvironments app)
{
    public static TheoryData<string, string> Topics => new()
    {
        { "dev", "operations" }, { "staging", "operations" }, { "prod", "operations" },
        { "dev", "security" }, { "staging", "security" }, { "prod", "security" },
    };

    private const string Account = SynthesizedEnvironments.TestAccount;
    private readonly PolicyEvaluation evaluation = new(Account, SynthesizedEnvironments.TestRegion);

    private static readonly (string, string) CloudWatch = ("Service", "cloudwatch.amazonaws.com");
    private static readonly (string, string) EventBridge = ("Service", "events.amazonaws.com");

    private static Dictionary<string, string> AlarmContext(string account, bool tls = true) => new()
    {
        ["aws:SourceAccount"] = account,
        ["aws:SourceArn"] = $"arn:aws:cloudwatch:{SynthesizedEnvironments.TestRegion}:{account}:alarm:payments-api-5xx",
        ["aws:SecureTransport"] = tls ? "true" : "false",
    };

    private string TopicId(string env, string audience) =>
        app.Resources(env, "AWS::SNS::Topic").Single(t => t.Resource.Props()["TopicName"].Str() == $"payments-{env}-{audience}").Id;

    [Theory]
    [MemberData(nameof(Topics))]
    public void This_accounts_alarms_may_publish_over_TLS_and_nobody_without_it(string env, string audience)
    {
        var topic = TopicId(env, audience);
        var statements = PolicyEvaluation.TopicPolicyStatements(app.PlatformJson[env], topic);
        var arn = $"${{Ref:{topic}}}";
        Assert.True(evaluation.Allows(statements, new PolicyRequest("sns:Publish", arn, CloudWatch, AlarmContext(Account))), $"{env} {audience}: alarms cannot publish");
        Assert.False(evaluation.Allows(statements, new PolicyRequest("sns:Publish", arn, CloudWatch, AlarmContext(Account, tls: false))));
        Assert.False(evaluation.Allows(statements, new PolicyRequest("sns:Publish", arn, CloudWatch, AlarmContext("222222222222"))), "another account's alarms may publish");
    }

    [Theory]
    [MemberData(nameof(Topics))]
    public void Alarms_and_EventBridge_may_encrypt_with_the_topics_key(string env, string audience)
    {
        var key = app.Resources(env, "AWS::SNS::Topic").Single(t => t.Id == TopicId(env, audience)).Resource.Props()["KmsMasterKeyId"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var statements = PolicyEvaluation.KeyPolicyStatements(app.PlatformJson[env], key);
        foreach (var action in new[] { "kms:GenerateDataKey", "kms:Decrypt" })
        {
            Assert.True(evaluation.Allows(statements, new PolicyRequest(action, "*", CloudWatch, AlarmContext(Account))), $"{env}: alarms cannot {action}");
            Assert.False(evaluation.Allows(statements, new PolicyRequest(action, "*", CloudWatch, AlarmContext("222222222222"))));
            // EventBridge's KMS requests carry no source account or ARN: a key statement that asks for one drops every event.
            Assert.True(evaluation.Allows(statements, new PolicyRequest(action, "*", EventBridge, new Dictionary<string, string>())), $"{env}: EventBridge cannot {action}");
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Critical_image_findings_reach_the_security_topic_through_EventBridge(string env)
    {
        var topic = TopicId(env, "security");
        var rule = app.One(env, "AWS::Events::Rule", r => r.Props()["Name"].Str() == $"payments-{env}-critical-image-findings");
        Assert.Equal($"{{\"Ref\":\"{topic}\"}}", rule.Props()["Targets"]![0]!["Arn"].Text());
        var statements = PolicyEvaluation.TopicPolicyStatements(app.PlatformJson[env], topic);
        Assert.True(evaluation.Allows(statements, new PolicyRequest("sns:Publish", $"${{Ref:{topic}}}", EventBridge, new Dictionary<string, string> { ["aws:SecureTransport"] = "true" })));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_alarm_action_targets_a_topic_that_admits_alarms(string env)
    {
        var alarms = app.Resources(env, "AWS::CloudWatch::Alarm").Where(a => a.Resource.Props()["AlarmActions"] is not null).ToList();
        Assert.NotEmpty(alarms);
        foreach (var (id, alarm) in alarms)
        {
            foreach (var action in alarm.Props()["AlarmActions"].Items())
            {
                var topic = action["Ref"].Str();
                var statements = PolicyEvaluation.TopicPolicyStatements(app.PlatformJson[env], topic);
                Assert.True(evaluation.Allows(statements, new PolicyRequest("sns:Publish", $"${{Ref:{topic}}}", CloudWatch, AlarmContext(Account))), $"{env}: alarm {id} publishes to {topic}, which refuses alarms");
            }
        }
    }

    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };
}
