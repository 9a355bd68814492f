using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Constructs;

public sealed record MonitoringProps
{
    public required EnvironmentConfig Environment { get; init; }
    public required Alerting Alerting { get; init; }
    public required Edge Edge { get; init; }
    public required Services Services { get; init; }
    public required Database Database { get; init; }
    public required Network Network { get; init; }
    public required ImageRepository Images { get; init; }
}

/// <summary>Alarms to the operations and security topics, and one dashboard for the environment.</summary>
public sealed class Monitoring : Construct
{
    public const double TargetP99LatencySeconds = 1.0;
    public const double CpuPercent = 80;
    public const double MemoryPercent = 85;
    public const double FreeStorageFraction = 0.2;

    public Alarm LoadBalancer5xx { get; }

    /// <summary>Per target group (blue, green): after a swap the live group alternates, so both are watched.</summary>
    public IReadOnlyList<Alarm> Target5xx { get; }
    public IReadOnlyList<Alarm> TargetP99Latency { get; }
    public IReadOnlyList<Alarm> UnhealthyHosts { get; }
    public IReadOnlyList<Alarm> ServiceAlarms { get; }
    public IReadOnlyList<Alarm> DatabaseAlarms { get; }
    public Alarm RejectedTraffic { get; }
    public Dashboard Dashboard { get; }

    /// <summary>The alarms a blue/green deployment rolls back on: 5xx, p99 latency and unhealthy hosts of both groups.</summary>
    public IReadOnlyList<Alarm> RollbackAlarms => [.. Target5xx, .. TargetP99Latency, .. UnhealthyHosts];

    public Monitoring(Construct scope, string id, MonitoringProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var env = props.Environment;
        var prefix = env.Prefix;
        var operations = new SnsAction(props.Alerting.Operations);
        var security = new SnsAction(props.Alerting.Security);
        var oneMinute = Duration.Minutes(1);

        LoadBalancer5xx = Notify(operations, new Alarm(this, "LoadBalancer5xx", new AlarmProps
        {
            AlarmName = $"{prefix}-alb-5xx",
            AlarmDescription = "The load balancer itself answers 5xx (no healthy target, timeouts)",
            Metric = props.Edge.LoadBalancer.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Period = oneMinute, Statistic = "Sum" }),
            Threshold = 10,
            EvaluationPeriods = 3,
            DatapointsToAlarm = 2,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }));

        var groups = new[] { ("blue", props.Edge.BlueTargetGroup), ("green", props.Edge.GreenTargetGroup) };
        Target5xx = [.. groups.Select(g => Notify(operations, new Alarm(this, $"Target5xx-{g.Item1}", new AlarmProps
        {
            AlarmName = $"{prefix}-api-{g.Item1}-5xx",
            AlarmDescription = $"api tasks in the {g.Item1} target group answer 5xx",
            Metric = g.Item2.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Period = oneMinute, Statistic = "Sum" }),
            Threshold = 5,
            EvaluationPeriods = 2,
            DatapointsToAlarm = 2,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        })))];
        TargetP99Latency = [.. groups.Select(g => Notify(operations, new Alarm(this, $"TargetP99-{g.Item1}", new AlarmProps
        {
            AlarmName = $"{prefix}-api-{g.Item1}-p99-latency",
            AlarmDescription = $"p99 target response time of the {g.Item1} target group above {TargetP99LatencySeconds} s",
            Metric = g.Item2.Metrics.TargetResponseTime(new MetricOptions { Period = oneMinute, Statistic = "p99" }),
            Threshold = TargetP99LatencySeconds,
            EvaluationPeriods = 3,
            DatapointsToAlarm = 3,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        })))];
        UnhealthyHosts = [.. groups.Select(g => Notify(operations, new Alarm(this, $"Unhealthy-{g.Item1}", new AlarmProps
        {
            AlarmName = $"{prefix}-api-{g.Item1}-unhealthy-hosts",
            AlarmDescription = $"api tasks in the {g.Item1} target group fail the readiness check",
            Metric = g.Item2.Metrics.UnhealthyHostCount(new MetricOptions { Period = oneMinute, Statistic = "Maximum" }),
            Threshold = 1,
            EvaluationPeriods = 2,
            DatapointsToAlarm = 2,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        })))];

        var services = new (string Name, FargateService Service)[] { ("api", props.Services.Api), ("worker", props.Services.Worker) };
        ServiceAlarms =
        [
            .. services.Select(s => Notify(operations, new Alarm(this, $"Cpu-{s.Name}", new AlarmProps
            {
                AlarmName = $"{prefix}-{s.Name}-cpu",
                AlarmDescription = $"{s.Name} service CPU above {CpuPercent}%",
                Metric = s.Service.MetricCpuUtilization(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Average" }),
                Threshold = CpuPercent,
                EvaluationPeriods = 3,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.MISSING,
            }))),
            .. services.Select(s => Notify(operations, new Alarm(this, $"Memory-{s.Name}", new AlarmProps
            {
                AlarmName = $"{prefix}-{s.Name}-memory",
                AlarmDescription = $"{s.Name} service memory above {MemoryPercent}%",
                Metric = s.Service.MetricMemoryUtilization(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Average" }),
                Threshold = MemoryPercent,
                EvaluationPeriods = 3,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.MISSING,
            }))),
        ];

        var db = props.Database;
        var alarms = new List<Alarm>
        {
            Notify(operations, new Alarm(this, "DatabaseCpu", new AlarmProps
            {
                AlarmName = $"{prefix}-db-cpu",
                AlarmDescription = $"database CPU above {CpuPercent}%",
                Metric = db.MetricCpuUtilization(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Average" }),
                Threshold = CpuPercent,
                EvaluationPeriods = 3,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.MISSING,
            })),
            Notify(operations, new Alarm(this, "DatabaseConnections", new AlarmProps
            {
                AlarmName = $"{prefix}-db-connections",
                AlarmDescription = "database connections above 70% of the class's max_connections",
                Metric = db.MetricDatabaseConnections(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Maximum" }),
                Threshold = ConnectionAlarmThreshold(env),
                EvaluationPeriods = 2,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.MISSING,
            })),
        };
        // Aurora storage grows by itself; an instance has allocated gp3 storage to run out of.
        if (db.MetricFreeStorageSpace(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Minimum" }) is { } freeStorage && db.AllocatedStorageGiB is { } allocatedGiB)
        {
            alarms.Insert(1, Notify(operations, new Alarm(this, "DatabaseFreeStorage", new AlarmProps
            {
                AlarmName = $"{prefix}-db-free-storage",
                AlarmDescription = $"database free storage below {FreeStorageFraction:P0} of the allocated {allocatedGiB} GiB",
                Metric = freeStorage,
                Threshold = Math.Round(allocatedGiB * 1024d * 1024 * 1024 * FreeStorageFraction),
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.LESS_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.MISSING,
            })));
        }
        DatabaseAlarms = alarms;

        // Security: rejected flows (port scans, misrouted traffic) and critical findings of image scans.
        var rejected = new MetricFilter(this, "RejectedFlows", new MetricFilterProps
        {
            LogGroup = props.Network.FlowLogGroup,
            FilterName = $"{prefix}-rejected-flows",
            FilterPattern = FilterPattern.SpaceDelimited("version", "account", "eni", "source", "destination", "srcport", "destport", "protocol", "packets", "bytes", "windowstart", "windowend", "action", "flowlogstatus")
                .WhereString("action", "=", "REJECT"),
            MetricNamespace = "Payments/Security",
            MetricName = $"{env.Name}-rejected-flows",
            MetricValue = "1",
            DefaultValue = 0,
        });
        RejectedTraffic = Notify(security, new Alarm(this, "RejectedTraffic", new AlarmProps
        {
            AlarmName = $"{prefix}-rejected-traffic",
            AlarmDescription = "A spike of rejected VPC flows: scanning or a misconfigured security group",
            Metric = rejected.Metric(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Sum" }),
            Threshold = 1000,
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }));
        new Rule(this, "CriticalImageFindings", new RuleProps
        {
            RuleName = $"{prefix}-critical-image-findings",
            Description = "ECR scan on push found critical vulnerabilities in a payments image",
            EventPattern = new EventPattern
            {
                Source = ["aws.ecr"],
                DetailType = ["ECR Image Scan"],
                Detail = new Dictionary<string, object>
                {
                    ["repository-name"] = new[] { props.Images.Repository.RepositoryName },
                    ["finding-severity-counts"] = new Dictionary<string, object>
                    {
                        ["CRITICAL"] = new object[] { new Dictionary<string, object> { ["numeric"] = new object[] { ">", 0 } } },
                    },
                },
            },
            Targets = [new SnsTopic(props.Alerting.Security)],
        });

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = prefix,
            DefaultInterval = Duration.Hours(3),
        });
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Requests and 5xx",
                Width = 12,
                Left = [.. groups.Select(g => g.Item2.Metrics.RequestCount(new MetricOptions { Label = $"requests ({g.Item1})", Period = oneMinute, Statistic = "Sum" }))],
                Right = [props.Edge.LoadBalancer.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Label = "ALB 5xx", Period = oneMinute, Statistic = "Sum" }),
                    .. Target5xx.Select(a => a.Metric)],
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Target p99 latency (s)",
                Width = 12,
                Left = [.. TargetP99Latency.Select(a => a.Metric)],
                LeftAnnotations = [new HorizontalAnnotation { Value = TargetP99LatencySeconds, Label = "alarm" }],
            }));
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "ECS CPU / memory (%)",
                Width = 12,
                Left = [.. services.Select(s => s.Service.MetricCpuUtilization(new MetricOptions { Label = $"{s.Name} cpu" }))],
                Right = [.. services.Select(s => s.Service.MetricMemoryUtilization(new MetricOptions { Label = $"{s.Name} memory" }))],
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Healthy / unhealthy api tasks",
                Width = 12,
                Left = [.. groups.Select(g => g.Item2.Metrics.HealthyHostCount(new MetricOptions { Label = $"healthy ({g.Item1})" }))],
                Right = [.. UnhealthyHosts.Select(a => a.Metric)],
            }));
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Database CPU (%) and connections",
                Width = 12,
                Left = [db.MetricCpuUtilization(new MetricOptions())],
                Right = [db.MetricDatabaseConnections()],
            }),
            new GraphWidget(new GraphWidgetProps
            {
                // Aurora: the cluster volume, which grows by itself; an instance: free gp3 storage.
                Title = db.MetricFreeStorageSpace() is null ? "Database volume used (bytes)" : "Database free storage (bytes)",
                Width = 12,
                Left = [db.MetricFreeStorageSpace() ?? db.Cluster!.Metric("VolumeBytesUsed", new MetricOptions { Statistic = "Average" })],
            }),
            new AlarmStatusWidget(new AlarmStatusWidgetProps
            {
                Title = "Alarms",
                Width = 24,
                Alarms = [LoadBalancer5xx, .. RollbackAlarms, .. ServiceAlarms, .. DatabaseAlarms, RejectedTraffic],
            }));
    }

    public static double ConnectionAlarmThreshold(EnvironmentConfig env)
    {
        ArgumentNullException.ThrowIfNull(env);
        return Math.Floor(env.DatabaseMaxConnections * 0.7);
    }

    private static Alarm Notify(SnsAction action, Alarm alarm)
    {
        alarm.AddAlarmAction(action);
        alarm.AddOkAction(action);
        return alarm;
    }
}
