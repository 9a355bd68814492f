using System.Text.Json.Nodes;
using Payments.Preflight.Permissions;

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
    private static readonly Caller CloudWatch = TemplateAccess.Service("cloudwatch.amazonaws.com");
    private static readonly Caller EventBridge = TemplateAccess.Service("events.amazonaws.com");

    private TemplateAccess Access(string env) => new(app.PlatformJson[env], Account, SynthesizedEnvironments.TestRegion);

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
        var access = Access(env);
        Assert.Equal(Answer.Allowed, access.Ask(CloudWatch, "sns:Publish", topic, AlarmContext(Account)));
        // The TLS deny names {"AWS": "*"}; whether that covers a service principal, preflight leaves open (Unknown): never Allowed.
        Assert.NotEqual(Answer.Allowed, access.Ask(CloudWatch, "sns:Publish", topic, AlarmContext(Account, tls: false)));
        Assert.Equal(Answer.Refused, access.Ask(CloudWatch, "sns:Publish", topic, AlarmContext("222222222222")));
    }

    [Theory]
    [MemberData(nameof(Topics))]
    public void Alarms_and_EventBridge_may_encrypt_with_the_topics_key(string env, string audience)
    {
        var key = app.Resources(env, "AWS::SNS::Topic").Single(t => t.Id == TopicId(env, audience)).Resource.Props()["KmsMasterKeyId"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var access = Access(env);
        foreach (var action in new[] { "kms:GenerateDataKey", "kms:Decrypt" })
        {
            Assert.Equal((action, Answer.Allowed), (action, access.Ask(CloudWatch, action, key, AlarmContext(Account))));
            Assert.Equal((action, Answer.Refused), (action, access.Ask(CloudWatch, action, key, AlarmContext("222222222222"))));
            // EventBridge's KMS requests carry no source account or ARN: a key statement that asks for one drops every event.
            Assert.Equal((action, Answer.Allowed), (action, access.Ask(EventBridge, action, key)));
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Critical_image_findings_reach_the_security_topic_through_EventBridge(string env)
    {
        var topic = TopicId(env, "security");
        var rule = app.One(env, "AWS::Events::Rule", r => r.Props()["Name"].Str() == $"payments-{env}-critical-image-findings");
        Assert.Equal($"{{\"Ref\":\"{topic}\"}}", rule.Props()["Targets"]![0]!["Arn"].Text());
        Assert.Equal(Answer.Allowed, Access(env).Ask(EventBridge, "sns:Publish", topic, new Dictionary<string, string> { ["aws:SecureTransport"] = "true" }));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_alarm_action_targets_a_topic_that_admits_alarms(string env)
    {
        var alarms = app.Resources(env, "AWS::CloudWatch::Alarm").Where(a => a.Resource.Props()["AlarmActions"] is not null).ToList();
        Assert.NotEmpty(alarms);
        var access = Access(env);
        foreach (var (id, alarm) in alarms)
        {
            foreach (var action in alarm.Props()["AlarmActions"].Items())
            {
                var topic = action["Ref"].Str();
                Assert.True(access.Ask(CloudWatch, "sns:Publish", topic, AlarmContext(Account)) == Answer.Allowed, $"{env}: alarm {id} publishes to {topic}, which does not admit alarms");
            }
        }
    }

    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };
}
