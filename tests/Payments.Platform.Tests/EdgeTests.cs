using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Payments.Api.Hosting;

namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class EdgeTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    private const string CertificateArn = "arn:aws:acm:eu-west-1:111111111111:certificate/0f0e0d0c-1111-2222-3333-444455556666";

    [Theory]
    [MemberData(nameof(Environments))]
    public void Target_groups_check_the_service_readiness_path_and_port_on_the_issue_schedule(string env)
    {
        var groups = app.Resources(env, "AWS::ElasticLoadBalancingV2::TargetGroup").Select(g => g.Resource.Props()).ToList();
        Assert.Equal([$"payments-{env}-blue", $"payments-{env}-green"], groups.Select(g => g["Name"].Str()).Order());
        Assert.All(groups, g =>
        {
            Assert.Equal(ServiceContract.ReadinessPath, g["HealthCheckPath"].Str());
            Assert.Equal(ServiceContract.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), g["HealthCheckPort"].Str());
            Assert.Equal(ServiceContract.HttpPort, g["Port"].Number());
            Assert.Equal("ip", g["TargetType"].Str());
            Assert.Equal(30, g["HealthCheckIntervalSeconds"].Number());
            Assert.Equal(5, g["HealthCheckTimeoutSeconds"].Number());
            Assert.Equal(2, g["HealthyThresholdCount"].Number());
            Assert.Equal(3, g["UnhealthyThresholdCount"].Number());
            Assert.Contains(g["TargetGroupAttributes"].Items(), a => a["Key"].Str() == "deregistration_delay.timeout_seconds" && a["Value"].Str() == "30");
        });
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Without_a_certificate_prod_listener_is_http_to_blue_and_test_listener_forwards_to_green(string env)
    {
        var listeners = app.Resources(env, "AWS::ElasticLoadBalancingV2::Listener").Select(l => l.Resource.Props()).ToList();
        Assert.Equal(2, listeners.Count);
        var prod = listeners.Single(l => l["Port"].Number() == 80);
        var test = listeners.Single(l => l["Port"].Number() == 8443);
        Assert.Equal(("HTTP", "HTTP"), (prod["Protocol"].Str(), test["Protocol"].Str()));
        Assert.Contains("EdgeBlueTargetGroup", prod["DefaultActions"].Text(), StringComparison.Ordinal);
        Assert.Contains("EdgeGreenTargetGroup", test["DefaultActions"].Text(), StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_certificate_the_alb_serves_https_and_redirects_http()
    {
        var (stages, _) = SynthesizedEnvironments.Synthesize(new Dictionary<string, object> { ["environments"] = "prod", ["certificateArn:prod"] = CertificateArn });
        var template = TemplateJson.Of(Template.FromStack(stages.Single().Platform));
        var listeners = TemplateJson.Resources(template, "AWS::ElasticLoadBalancingV2::Listener").Select(l => l.Resource.Props()).ToList();
        Assert.Equal(3, listeners.Count);
        var https = listeners.Single(l => l["Port"].Number() == 443);
        Assert.Equal("HTTPS", https["Protocol"].Str());
        Assert.Equal(CertificateArn, https["Certificates"]![0]!["CertificateArn"].Str());
        Assert.NotNull(https["SslPolicy"]);
        Assert.Equal("HTTPS", listeners.Single(l => l["Port"].Number() == 8443)["Protocol"].Str());
        var redirect = listeners.Single(l => l["Port"].Number() == 80)["DefaultActions"]![0]!;
        Assert.Equal("redirect", redirect["Type"].Str());
        Assert.Equal(("HTTPS", "443", "HTTP_301"), (redirect["RedirectConfig"]!["Protocol"].Str(), redirect["RedirectConfig"]!["Port"].Str(), redirect["RedirectConfig"]!["StatusCode"].Str()));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_test_listener_port_is_open_only_to_the_vpc_and_its_nat_addresses(string env)
    {
        var alb = app.One(env, "AWS::EC2::SecurityGroup", g => g.Props()["GroupName"].Str() == $"payments-{env}-alb").Props();
        var ingress = alb["SecurityGroupIngress"].Items().ToList();
        var test = ingress.Where(r => r["FromPort"].Number() == 8443).ToList();
        var natCount = app.Stage(env).Config.NatGateways;
        Assert.Equal(1 + natCount, test.Count);
        Assert.Single(test, r => r["CidrIp"].Text().Contains("CidrBlock", StringComparison.Ordinal));
        Assert.Equal(natCount, test.Count(r => r["CidrIp"].Text().Contains("EIP", StringComparison.Ordinal) && r["CidrIp"].Text().Contains("/32", StringComparison.Ordinal)));
        Assert.DoesNotContain(test, r => r["CidrIp"].Text() == "\"0.0.0.0/0\"");
        Assert.Single(ingress, r => r["CidrIp"].Text() == "\"0.0.0.0/0\"" && r["FromPort"].Number() == 80);
        Assert.Equal(1 + natCount + 1, ingress.Count);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_alb_sends_only_to_api_tasks_on_the_service_port(string env)
    {
        var alb = app.One(env, "AWS::EC2::SecurityGroup", g => g.Props()["GroupName"].Str() == $"payments-{env}-alb").Props();
        Assert.Null(alb["SecurityGroupEgress"]);
        var egress = app.Resources(env, "AWS::EC2::SecurityGroupEgress").Select(e => e.Resource.Props()).Where(e => e["GroupId"].Text().Contains("EdgeSecurityGroup", StringComparison.Ordinal)).ToList();
        var rule = Assert.Single(egress);
        Assert.Equal(ServiceContract.HttpPort, rule["FromPort"].Number());
        Assert.Contains("ServicesApiSecurityGroup", rule["DestinationSecurityGroupId"].Text(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_alb_is_internet_facing_in_public_subnets_and_logs_access_to_s3(string env)
    {
        var alb = app.One(env, "AWS::ElasticLoadBalancingV2::LoadBalancer").Props();
        Assert.Equal($"payments-{env}-alb", alb["Name"].Str());
        Assert.Equal("internet-facing", alb["Scheme"].Str());
        var attributes = alb["LoadBalancerAttributes"].Items().ToDictionary(a => a["Key"].Str(), a => a["Value"]!);
        Assert.Equal("true", attributes["access_logs.s3.enabled"].Str());
        Assert.Contains("EdgeAccessLogs", attributes["access_logs.s3.bucket"].Text(), StringComparison.Ordinal);
        Assert.Equal("alb", attributes["access_logs.s3.prefix"].Str());
        Assert.Equal("true", attributes["routing.http.drop_invalid_header_fields.enabled"].Str());
        Assert.Equal(env == "prod" ? "true" : "false", attributes["deletion_protection.enabled"].Str());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_access_log_bucket_is_private_tls_only_and_expires_logs(string env)
    {
        var bucket = app.One(env, "AWS::S3::Bucket", b => b.Props()["BucketName"].Text().Contains("alb-logs", StringComparison.Ordinal)).Props();
        Assert.Equal("AES256", bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"].Str());
        Assert.True(bucket["PublicAccessBlockConfiguration"]!["BlockPublicPolicy"]!.GetValue<bool>());
        Assert.Equal(app.Stage(env).Config.LogRetentionDays, bucket["LifecycleConfiguration"]!["Rules"]![0]!["ExpirationInDays"].Number());
    }
}
