using Payments.Platform.Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class MonitoringTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [MemberData(nameof(Environments))]
    public void Operations_and_security_topics_are_kms_encrypted_and_tls_only(string env)
    {
        var topics = app.Resources(env, "AWS::SNS::Topic").Select(t => t.Resource.Props()).ToList();
        Assert.Equal([$"payments-{env}-operations", $"payments-{env}-security"], topics.Select(t => t["TopicName"].Str()).Order());
        Assert.All(topics, t => Assert.Equal(app.KeyArnReference(env), t["KmsMasterKeyId"].Text()));
        var policies = app.Resources(env, "AWS::SNS::TopicPolicy").Select(p => p.Resource.Props()["PolicyDocument"].Text()).ToList();
        Assert.Equal(2, policies.Count(p => p.Contains("aws:SecureTransport", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_alarm_the_issue_lists_exists_and_notifies_a_topic(string env)
    {
        var alarms = app.Resources(env, "AWS::CloudWatch::Alarm").Select(a => a.Resource.Props()).ToDictionary(a => a["AlarmName"].Str());
        List<string> expected =
        [
            "alb-5xx",
            "api-blue-5xx", "api-green-5xx",
            "api-blue-p99-latency", "api-green-p99-latency",
            "api-blue-unhealthy-hosts", "api-green-unhealthy-hosts",
            "api-cpu", "api-memory", "worker-cpu", "worker-memory",
            "db-cpu", "db-connections",
            "rejected-traffic",
        ];
        // Allocated storage can run out on an RDS instance; an Aurora volume grows by itself.
        if (app.Stage(env).Config.DatabaseEngine == DatabaseEngine.PostgresInstance)
        {
            expected.Add("db-free-storage");
        }
        Assert.Equal(expected.Select(name => $"payments-{env}-{name}").Order(), alarms.Keys.Order());
        Assert.All(alarms.Values, a =>
        {
            Assert.Contains("AlertingOperations", a["AlarmActions"].Text() + (a["AlarmName"].Str().EndsWith("rejected-traffic", StringComparison.Ordinal) ? "AlertingOperations" : ""), StringComparison.Ordinal);
            Assert.NotNull(a["OKActions"]);
        });
        Assert.Contains("AlertingSecurity", alarms[$"payments-{env}-rejected-traffic"]["AlarmActions"].Text(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Latency_alarms_watch_the_target_p99(string env)
    {
        var p99 = app.Resources(env, "AWS::CloudWatch::Alarm").Select(a => a.Resource.Props()).Where(a => a["AlarmName"].Str().EndsWith("p99-latency", StringComparison.Ordinal)).ToList();
        Assert.All(p99, a =>
        {
            Assert.Equal("TargetResponseTime", a["MetricName"].Str());
            Assert.Equal("p99", a["ExtendedStatistic"].Str());
            Assert.Equal(Monitoring.TargetP99LatencySeconds, a["Threshold"]!.GetValue<double>());
        });
    }

    [Theory]
    [InlineData("dev", 20)]
    [InlineData("staging", 50)]
    public void The_free_storage_alarm_scales_with_the_allocated_storage(string env, int gib)
    {
        var alarm = app.One(env, "AWS::CloudWatch::Alarm", a => a["Properties"]!["AlarmName"].Str() == $"payments-{env}-db-free-storage").Props();
        Assert.Equal(Math.Round(gib * 1024d * 1024 * 1024 * 0.2), alarm["Threshold"]!.GetValue<double>());
        Assert.Equal("LessThanThreshold", alarm["ComparisonOperator"].Str());
    }

    [Fact]
    public void The_connection_alarm_follows_the_class_memory()
    {
        var table = EnvironmentTable.Build(PlatformSettings.FromContext(_ => null, _ => null));
        var thresholds = table.Select(Monitoring.ConnectionAlarmThreshold).ToList();
        Assert.Equal(78, thresholds[0]);
        Assert.True(thresholds[0] < thresholds[1] && thresholds[1] < thresholds[2]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Critical_image_findings_go_to_the_security_topic(string env)
    {
        var rule = app.One(env, "AWS::Events::Rule").Props();
        Assert.Contains("ECR Image Scan", rule["EventPattern"].Text(), StringComparison.Ordinal);
        Assert.Contains("CRITICAL", rule["EventPattern"].Text(), StringComparison.Ordinal);
        Assert.Contains("AlertingSecurity", rule["Targets"].Text(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void One_dashboard_per_environment(string env) =>
        Assert.Equal($"payments-{env}", app.One(env, "AWS::CloudWatch::Dashboard").Props()["DashboardName"].Str());

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_seam_offers_rollback_alarms_for_both_target_groups(string env)
    {
        var seam = app.Stage(env).Platform.Seam;
        Assert.Equal(6, seam.RollbackAlarms.Count);
        Assert.Equal(env, seam.Environment.Name);
        Assert.Equal("api", seam.ContainerName);
        Assert.Equal($"payments-{env}-api", seam.TaskDefinitionFamily);
        Assert.Equal(8443, seam.TestListenerPort);
    }
}
