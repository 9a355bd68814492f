using System.Text.Json.Nodes;
using Payments.Platform.Delivery;
using Payments.Preflight.Permissions;

namespace Payments.Platform.Tests.Delivery;

[Collection(SynthesizedApp.Name)]
public sealed class NotificationTests(DeliveredApp app) : IClassFixture<DeliveredApp>
{
    private List<JsonObject> Rules() => TemplateJson.Resources(app.Pipeline, "AWS::Events::Rule").Select(r => r.Resource["Properties"]!.AsObject()).ToList();

    private JsonObject Rule(string detailType, params string[] states) => Rules().Single(r =>
        r["EventPattern"]?["detail-type"]?[0]?.ToString() == detailType
        && (r["EventPattern"]!["detail"]!["state"]?.AsArray().Select(s => s!.ToString()).ToArray() ?? []).SequenceEqual(states));

    private static string TopicOf(JsonObject rule) => rule["Targets"]![0]!["Arn"]!["Ref"]!.ToString();

    private string Topic(string prefix) => TemplateJson.Resources(app.Pipeline, "AWS::SNS::Topic").Single(t => t.LogicalId.StartsWith($"Notifications{prefix}", StringComparison.Ordinal)).LogicalId;

    [Fact]
    public void Three_audiences_each_get_a_KMS_encrypted_topic_that_refuses_plain_HTTP()
    {
        var topics = TemplateJson.Resources(app.Pipeline, "AWS::SNS::Topic");
        Assert.Equal(3, topics.Count);
        Assert.All(topics, t => Assert.NotNull(t.Resource["Properties"]!["KmsMasterKeyId"]));
        var policies = TemplateJson.Resources(app.Pipeline, "AWS::SNS::TopicPolicy");
        Assert.Equal(3, policies.Count);
        Assert.All(policies, p => Assert.Contains("aws:SecureTransport", p.Resource.ToJsonString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Pipeline_results_and_stage_failures_go_to_the_releases_topic()
    {
        Assert.Equal(Topic("Releases"), TopicOf(Rule("CodePipeline Pipeline Execution State Change", "SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED")));
        Assert.Equal(Topic("Releases"), TopicOf(Rule("CodePipeline Stage Execution State Change", "FAILED")));
    }

    [Fact]
    public void Failed_executions_and_failed_or_stopped_deployments_page_the_incidents_topic()
    {
        Assert.Equal(Topic("Incidents"), TopicOf(Rule("CodePipeline Pipeline Execution State Change", "FAILED")));
        var failures = Rule("CodeDeploy Deployment State-change Notification", "FAILURE", "STOP");
        Assert.Equal(Topic("Incidents"), TopicOf(failures));
        Assert.Equal(["payments-dev", "payments-staging", "payments-prod"], failures["EventPattern"]!["detail"]!["application"]!.AsArray().Select(a => a!.ToString()).ToList());
    }

    [Fact]
    public void Every_deployment_state_of_every_environment_reaches_the_releases_topic()
    {
        var deployments = Rules().Single(r => r["EventPattern"]?["detail-type"]?[0]?.ToString() == "CodeDeploy Deployment State-change Notification" && r["EventPattern"]!["detail"]!["state"] is null);
        Assert.Equal(Topic("Releases"), TopicOf(deployments));
        Assert.Equal(["aws.codedeploy"], deployments["EventPattern"]!["source"]!.AsArray().Select(s => s!.ToString()).ToList());
    }

    [Fact]
    public void The_prod_approval_notifies_the_approvals_topic()
    {
        var stage = TemplateJson.Single(app.Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!.AsArray().Single(s => s!["Name"]!.ToString() == "Approve-prod")!;
        Assert.Equal(Topic("Approvals"), stage["Actions"]![0]!["Configuration"]!["NotificationArn"]!["Ref"]!.ToString());
    }

    [Fact]
    public void A_failed_execution_raises_an_alarm_on_the_failed_rule_metric()
    {
        var alarm = TemplateJson.Resources(app.Pipeline, "AWS::CloudWatch::Alarm").Single(a => a.LogicalId.Contains("FailedExecutions", StringComparison.Ordinal)).Resource["Properties"]!;
        Assert.Equal("AWS/Events", alarm["Namespace"]!.ToString());
        Assert.Equal("TriggeredRules", alarm["MetricName"]!.ToString());
        Assert.Contains("PipelineFailedExecutions", alarm["Dimensions"]![0]!["Value"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(1, (double)alarm["Threshold"]!);
        Assert.Contains(Topic("Incidents"), alarm["AlarmActions"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_stuck_execution_raises_an_alarm_fed_by_the_watchdog_and_silence_counts_as_stuck()
    {
        var alarm = TemplateJson.Resources(app.Pipeline, "AWS::CloudWatch::Alarm").Single(a => a.LogicalId.Contains("StuckExecutions", StringComparison.Ordinal)).Resource["Properties"]!;
        Assert.Equal(DeliveryNotifications.MetricNamespace, alarm["Namespace"]!.ToString());
        Assert.Equal(DeliveryNotifications.StuckMetricName, alarm["MetricName"]!.ToString());
        Assert.Equal("breaching", alarm["TreatMissingData"]!.ToString());
        Assert.Contains(Topic("Incidents"), alarm["AlarmActions"]!.ToJsonString(), StringComparison.Ordinal);
        var watchdog = TemplateJson.Resources(app.Pipeline, "AWS::Lambda::Function").Single(f => f.LogicalId.StartsWith("NotificationsWatchdog", StringComparison.Ordinal)).Resource["Properties"]!;
        Assert.Equal("nodejs24.x", watchdog["Runtime"]!.ToString());
        Assert.Equal(LambdaSource.Read(DeliveryNotifications.WatchdogFolder), watchdog["Code"]!["ZipFile"]!.ToString());
        Assert.Equal("90", watchdog["Environment"]!["Variables"]!["STUCK_AFTER_MINUTES"]!.ToString());
        var schedule = Rules().Single(r => r["ScheduleExpression"] is not null);
        Assert.Equal("rate(5 minutes)", schedule["ScheduleExpression"]!.ToString());
    }

    [Fact]
    public void The_key_lets_events_alarms_and_logs_use_it_and_everyone_else_only_through_SNS()
    {
        var statements = TemplateJson.Single(app.Pipeline, "AWS::KMS::Key")["Properties"]!["KeyPolicy"]!["Statement"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.Contains(statements, s => s["Sid"]?.ToString() == "CloudWatchLogs" && s["Principal"]!.ToJsonString().Contains("logs.eu-west-1.amazonaws.com", StringComparison.Ordinal));
        Assert.Contains(statements, s => s["Sid"]?.ToString() == "PublishThroughSnsOnly" && s["Condition"]!["StringEquals"]!["kms:ViaService"]!.ToString() == "sns.eu-west-1.amazonaws.com");
        var access = Access;
        foreach (var action in new[] { "kms:GenerateDataKey", "kms:Decrypt" })
        {
            Assert.Equal((action, Answer.Allowed), (action, access.Ask(CloudWatch, action, KeyId, AlarmContext(DeliveredApp.Account))));
            Assert.Equal((action, Answer.Refused), (action, access.Ask(CloudWatch, action, KeyId, AlarmContext("222222222222"))));
            // EventBridge's KMS requests carry no source account or ARN: a key statement that asks for one drops every event.
            Assert.Equal((action, Answer.Allowed), (action, access.Ask(EventBridge, action, KeyId)));
        }
    }

    private TemplateAccess Access => new(TemplateJson.Of(app.Pipeline), DeliveredApp.Account, DeliveredApp.Region);

    private string KeyId => TemplateJson.Resources(app.Pipeline, "AWS::KMS::Key").Single().LogicalId;

    private static readonly Caller CloudWatch = TemplateAccess.Service("cloudwatch.amazonaws.com");
    private static readonly Caller EventBridge = TemplateAccess.Service("events.amazonaws.com");

    private static Dictionary<string, string> AlarmContext(string account) => new()
    {
        ["aws:SourceAccount"] = account,
        ["aws:SourceArn"] = $"arn:aws:cloudwatch:{DeliveredApp.Region}:{account}:alarm:payments-delivery-failed",
        ["aws:SecureTransport"] = "true",
    };

    [Theory]
    [InlineData("Releases")]
    [InlineData("Incidents")]
    [InlineData("Approvals")]
    public void This_accounts_alarms_and_EventBridge_may_publish_to_every_topic_over_TLS_only(string audience)
    {
        var topic = Topic(audience);
        var access = Access;
        Assert.Equal(Answer.Allowed, access.Ask(CloudWatch, "sns:Publish", topic, AlarmContext(DeliveredApp.Account)));
        Assert.Equal(Answer.Refused, access.Ask(CloudWatch, "sns:Publish", topic, AlarmContext("222222222222")));
        var insecure = new Dictionary<string, string>(AlarmContext(DeliveredApp.Account)) { ["aws:SecureTransport"] = "false" };
        // The TLS deny names {"AWS": "*"}; whether that covers a service principal, preflight leaves open (Unknown): never Allowed.
        Assert.NotEqual(Answer.Allowed, access.Ask(CloudWatch, "sns:Publish", topic, insecure));
        if (audience != "Approvals")
        {
            Assert.Equal(Answer.Allowed, access.Ask(EventBridge, "sns:Publish", topic, new Dictionary<string, string> { ["aws:SecureTransport"] = "true" }));
        }
    }

    [Fact]
    public void The_approval_action_may_publish_to_the_approvals_topic_and_encrypt_with_its_key_through_SNS()
    {
        var approval = TemplateJson.Single(app.Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!.AsArray()
            .Single(s => s!["Name"]!.ToString() == "Approve-prod")!["Actions"]![0]!;
        var role = approval["RoleArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var access = Access;
        var approver = access.Role(role);
        var viaSns = new Dictionary<string, string> { ["kms:ViaService"] = $"sns.{DeliveredApp.Region}.amazonaws.com", ["aws:SecureTransport"] = "true" };
        Assert.Equal(Answer.Allowed, access.Ask(approver, "sns:Publish", Topic("Approvals"), new Dictionary<string, string> { ["aws:SecureTransport"] = "true" }));
        foreach (var action in new[] { "kms:GenerateDataKey", "kms:Decrypt" })
        {
            // Identity grant and key policy together: the key delegates to the account's IAM policies, which allow it through SNS only.
            Assert.Equal((action, Answer.Allowed), (action, access.Ask(approver, action, KeyId, viaSns)));
            Assert.Equal((action, Answer.Refused), (action, access.Ask(approver, action, KeyId, new Dictionary<string, string> { ["aws:SecureTransport"] = "true" })));
        }
    }
}
