using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;
using Amazon.CDK.AWS.SNS;
using Constructs;

namespace Payments.Platform.Delivery;

public sealed record DeliveryNotificationsProps
{
    public required IPipeline Pipeline { get; init; }
    public required IKey Key { get; init; }

    /// <summary>CodeDeploy applications whose deployments are reported (one per environment).</summary>
    public required IReadOnlyList<string> CodeDeployApplications { get; init; }

    public required int StuckAfterMinutes { get; init; }
}

/// <summary>
/// Who hears about releases: <c>releases</c> (the team: every pipeline result, stage failures, every
/// deployment state), <c>approvals</c> (release managers: prod is waiting), <c>incidents</c> (on-call:
/// failed or stopped deployments, failed and stuck pipeline executions). All topics KMS-encrypted.
/// </summary>
public sealed class DeliveryNotifications : Construct
{
    public const string MetricNamespace = "Payments/Delivery";
    public const string StuckMetricName = "StuckActions";
    public const string WatchdogFolder = "pipeline-watchdog";

    private static readonly string[] FinishedStates = ["SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED"];
    private static readonly string[] Failed = ["FAILED"];
    private static readonly string[] DeploymentFailedOrStopped = ["FAILURE", "STOP"];

    public Topic Releases { get; }
    public Topic Approvals { get; }
    public Topic Incidents { get; }
    public Rule PipelineFailed { get; }
    public Alarm FailedExecutions { get; }
    public Alarm StuckExecutions { get; }
    public Function Watchdog { get; }

    public DeliveryNotifications(Construct scope, string id, DeliveryNotificationsProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        Releases = Topic("Releases", "Payments releases: pipeline and deployment results", props.Key);
        Approvals = Topic("Approvals", "Payments releases waiting for a production approval", props.Key);
        Incidents = Topic("Incidents", "Payments delivery incidents: failed, stopped or stuck releases", props.Key);

        var pipelineName = props.Pipeline.PipelineName;
        new Rule(this, "PipelineExecutions", new RuleProps
        {
            Description = "Every finished pipeline execution -> releases",
            EventPattern = new EventPattern
            {
                Source = ["aws.codepipeline"],
                DetailType = ["CodePipeline Pipeline Execution State Change"],
                Detail = new Dictionary<string, object>
                {
                    ["pipeline"] = new[] { pipelineName },
                    ["state"] = FinishedStates,
                },
            },
            Targets = [Notify(Releases, "Pipeline <pipeline> execution <execution> <state>", ("pipeline", "$.detail.pipeline"), ("execution", "$.detail.execution-id"), ("state", "$.detail.state"))],
        });
        PipelineFailed = new Rule(this, "PipelineFailedExecutions", new RuleProps
        {
            Description = "Failed pipeline executions -> incidents (its TriggeredRules metric feeds the failed-execution alarm)",
            EventPattern = new EventPattern
            {
                Source = ["aws.codepipeline"],
                DetailType = ["CodePipeline Pipeline Execution State Change"],
                Detail = new Dictionary<string, object> { ["pipeline"] = new[] { pipelineName }, ["state"] = Failed },
            },
            Targets = [Notify(Incidents, "Pipeline <pipeline> execution <execution> FAILED", ("pipeline", "$.detail.pipeline"), ("execution", "$.detail.execution-id"))],
        });
        new Rule(this, "StageFailures", new RuleProps
        {
            Description = "Failed stages -> releases",
            EventPattern = new EventPattern
            {
                Source = ["aws.codepipeline"],
                DetailType = ["CodePipeline Stage Execution State Change"],
                Detail = new Dictionary<string, object> { ["pipeline"] = new[] { pipelineName }, ["state"] = Failed },
            },
            Targets = [Notify(Releases, "Pipeline <pipeline> stage <stage> FAILED (execution <execution>)", ("pipeline", "$.detail.pipeline"), ("stage", "$.detail.stage"), ("execution", "$.detail.execution-id"))],
        });
        var applications = props.CodeDeployApplications.ToArray();
        new Rule(this, "Deployments", new RuleProps
        {
            Description = "Every blue/green deployment state change -> releases",
            EventPattern = new EventPattern
            {
                Source = ["aws.codedeploy"],
                DetailType = ["CodeDeploy Deployment State-change Notification"],
                Detail = new Dictionary<string, object> { ["application"] = applications },
            },
            Targets = [Notify(Releases, "Deployment <deployment> of <application>/<group>: <state>", ("deployment", "$.detail.deploymentId"), ("application", "$.detail.application"), ("group", "$.detail.deploymentGroup"), ("state", "$.detail.state"))],
        });
        new Rule(this, "DeploymentFailures", new RuleProps
        {
            Description = "Failed or stopped (rolled back) blue/green deployments -> incidents",
            EventPattern = new EventPattern
            {
                Source = ["aws.codedeploy"],
                DetailType = ["CodeDeploy Deployment State-change Notification"],
                Detail = new Dictionary<string, object> { ["application"] = applications, ["state"] = DeploymentFailedOrStopped },
            },
            Targets = [Notify(Incidents, "Deployment <deployment> of <application>/<group> <state>: CodeDeploy rolled back to the previous task set", ("deployment", "$.detail.deploymentId"), ("application", "$.detail.application"), ("group", "$.detail.deploymentGroup"), ("state", "$.detail.state"))],
        });

        var incidents = new SnsAction(Incidents);
        FailedExecutions = new Alarm(this, "FailedExecutionsAlarm", new AlarmProps
        {
            AlarmDescription = "A release pipeline execution failed (see the incidents topic for which one).",
            Metric = new Metric(new MetricProps
            {
                Namespace = "AWS/Events",
                MetricName = "TriggeredRules",
                DimensionsMap = new Dictionary<string, string> { ["RuleName"] = PipelineFailed.RuleName },
                Statistic = "Sum",
                Period = Duration.Minutes(5),
            }),
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        FailedExecutions.AddAlarmAction(incidents);

        Watchdog = WatchdogFunction(props);
        StuckExecutions = new Alarm(this, "StuckExecutionsAlarm", new AlarmProps
        {
            AlarmDescription = $"A pipeline action (approvals excepted) has run longer than {props.StuckAfterMinutes} minutes, or the watchdog stopped reporting.",
            Metric = new Metric(new MetricProps
            {
                Namespace = MetricNamespace,
                MetricName = StuckMetricName,
                DimensionsMap = new Dictionary<string, string> { ["PipelineName"] = pipelineName },
                Statistic = "Maximum",
                Period = Duration.Minutes(15),
            }),
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            // The watchdog publishes every 5 minutes, 0 included: silence means it is broken.
            TreatMissingData = TreatMissingData.BREACHING,
        });
        StuckExecutions.AddAlarmAction(incidents);
        StuckExecutions.AddOkAction(incidents);
    }

    private Topic Topic(string id, string displayName, IKey key)
    {
        var topic = new Topic(this, id, new TopicProps { DisplayName = displayName, MasterKey = key });
        Constructs.Alerting.DenyPublishWithoutTls(topic, "DenyInsecureTransport");
        Constructs.Alerting.AllowAlarmsToPublish(topic, "AllowCloudWatchAlarms");
        return topic;
    }

    private static SnsTopic Notify(ITopic topic, string template, params (string Name, string Path)[] fields) => new(topic, new SnsTopicProps
    {
        Message = RuleTargetInput.FromText(Substitute(template, fields)),
    });

    private static string Substitute(string template, (string Name, string Path)[] fields)
    {
        foreach (var (name, path) in fields)
        {
            template = template.Replace($"<{name}>", EventField.FromPath(path), StringComparison.Ordinal);
        }
        return template;
    }

    private Function WatchdogFunction(DeliveryNotificationsProps props)
    {
        var logGroup = new LogGroup(this, "WatchdogLogs", new LogGroupProps
        {
            Retention = RetentionDays.THREE_MONTHS,
            EncryptionKey = props.Key,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        var function = new Function(this, "Watchdog", new FunctionProps
        {
            Description = "Publishes the number of pipeline actions running longer than the stuck threshold",
            Runtime = LambdaSource.NodeRuntime(),
            Handler = "index.handler",
            Code = Code.FromInline(LambdaSource.Read(WatchdogFolder)),
            Timeout = Duration.Seconds(60),
            MemorySize = 128,
            LogGroup = logGroup,
            Environment = new Dictionary<string, string>
            {
                ["PIPELINE_NAME"] = props.Pipeline.PipelineName,
                ["STUCK_AFTER_MINUTES"] = props.StuckAfterMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["METRIC_NAMESPACE"] = MetricNamespace,
            },
        });
        CfnLintSuppression.IgnoreRedundantRoleDependency((CfnResource)function.Node.DefaultChild!);
        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadPipelineExecutions",
            Actions = ["codepipeline:ListPipelineExecutions", "codepipeline:ListActionExecutions"],
            Resources = [props.Pipeline.PipelineArn],
        }));
        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PublishDeliveryMetricsOnly",
            Actions = ["cloudwatch:PutMetricData"],
            // PutMetricData has no resource-level permissions; the namespace condition narrows it.
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["cloudwatch:namespace"] = MetricNamespace },
            },
        }));
        new Rule(this, "WatchdogSchedule", new RuleProps
        {
            Description = "Runs the pipeline watchdog every 5 minutes",
            Schedule = Schedule.Rate(Duration.Minutes(5)),
            Targets = [new LambdaFunction(function, new LambdaFunctionProps { RetryAttempts = 0 })],
        });
        return function;
    }
}
