using System.Text.Json.Nodes;
using Payments.Platform.Delivery;

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
        var key = PolicyEvaluation.KeyPolicyStatements(Template, KeyId);
        foreach (var action in new[] { "kms:GenerateDataKey", "kms:Decrypt" })
        {
            Assert.True(Evaluation.Allows(key, new PolicyRequest(action, "*", CloudWatch, AlarmContext(DeliveredApp.Account))), $"alarms cannot {action}");
            Assert.False(Evaluation.Allows(key, new PolicyRequest(action, "*", CloudWatch, AlarmContext("222222222222"))), $"another account's alarms may {action}");
            // EventBridge's KMS requests carry no source account or ARN: a key statement that asks for one drops every event.
            Assert.True(Evaluation.Allows(key, new PolicyRequest(action, "*", EventBridge, new Dictionary<string, string>())), $"EventBridge cannot {action}");
        }
    }

    private JsonObject Template => TemplateJson.Of(app.Pipeline);

    private string KeyId => TemplateJson.Resources(app.Pipeline, "AWS::KMS::Key").Single().LogicalId;

    private static readonly PolicyEvaluation Evaluation = new(DeliveredApp.Account, DeliveredApp.Region);
    private static readonly (string, string) CloudWatch = ("Service", "cloudwatch.amazonaws.com");
    private static readonly (string, string) EventBridge = ("Service", "events.amazonaws.com");

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
        var statements = PolicyEvaluation.TopicPolicyStatements(Template, topic);
        var arn = $"${{Ref:{topic}}}";
        Assert.True(Evaluation.Allows(statements, new PolicyRequest("sns:Publish", arn, CloudWatch, AlarmContext(DeliveredApp.Account))), $"{audience}: alarms cannot publish");
        Assert.False(Evaluation.Allows(statements, new PolicyRequest("sns:Publish", arn, CloudWatch, AlarmContext("222222222222"))), $"{audience}: another account's alarms may publish");
        var insecure = new Dictionary<string, string>(AlarmContext(DeliveredApp.Account)) { ["aws:SecureTransport"] = "false" };
        Assert.False(Evaluation.Allows(statements, new PolicyRequest("sns:Publish", arn, CloudWatch, insecure)), $"{audience}: publishing without TLS");
        if (audience != "Approvals")
        {
            Assert.True(Evaluation.Allows(statements, new PolicyRequest("sns:Publish", arn, EventBridge, new Dictionary<string, string> { ["aws:SecureTransport"] = "true" })), $"{audience}: EventBridge cannot publish");
        }
    }

    [Fact]
    public void The_approval_action_may_publish_to_the_approvals_topic_and_encrypt_with_its_key_through_SNS()
    {
        var approval = TemplateJson.Single(app.Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!.AsArray()
            .Single(s => s!["Name"]!.ToString() == "Approve-prod")!["Actions"]![0]!;
        var role = approval["RoleArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var identity = PolicyEvaluation.IdentityStatements(Template, role);
        var viaSns = new Dictionary<string, string> { ["kms:ViaService"] = $"sns.{DeliveredApp.Region}.amazonaws.com" };
        var keyArn = $"${{GetAtt:{KeyId}.Arn}}";
        Assert.True(Evaluation.Allows(identity, new PolicyRequest("sns:Publish", $"${{Ref:{Topic("Approvals")}}}")));
        foreach (var action in new[] { "kms:GenerateDataKey", "kms:Decrypt" })
        {
            Assert.True(Evaluation.Allows(identity, new PolicyRequest(action, keyArn, Context: viaSns)), $"the approval role cannot {action} the delivery key through SNS");
            Assert.False(Evaluation.Allows(identity, new PolicyRequest(action, keyArn, Context: new Dictionary<string, string>())), $"the approval role may {action} outside SNS");
            // The key policy delegates to the account's IAM policies, so the identity grant above takes effect.
            Assert.True(Evaluation.Allows(PolicyEvaluation.KeyPolicyStatements(Template, KeyId), new PolicyRequest(action, "*", ("AWS", $"arn:aws:iam::{DeliveredApp.Account}:root"))));
        }
    }
}
