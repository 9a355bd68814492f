using Amazon.CDK.Assertions;

namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class NetworkTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_environment_spans_three_availability_zones_in_every_subnet_tier(string env)
    {
        var subnets = app.Resources(env, "AWS::EC2::Subnet");
        Assert.Equal(9, subnets.Count);
        foreach (var tier in new[] { "public", "private", "data" })
        {
            var zones = subnets
                .Where(s => s.Resource.Props()["Tags"].Items().Any(t => t["Key"].Str() == "aws-cdk:subnet-name" && t["Value"].Str() == tier))
                .Select(s => s.Resource.Props()["AvailabilityZone"].Str())
                .Order()
                .ToList();
            Assert.Equal(["eu-west-1a", "eu-west-1b", "eu-west-1c"], zones);
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Subnet_tiers_are_public_private_with_egress_and_isolated(string env)
    {
        var subnets = app.Resources(env, "AWS::EC2::Subnet");
        string TypeOf(string tier) => subnets
            .Select(s => s.Resource.Props()["Tags"].Items().ToList())
            .Where(tags => tags.Any(t => t["Key"].Str() == "aws-cdk:subnet-name" && t["Value"].Str() == tier))
            .Select(tags => tags.Single(t => t["Key"].Str() == "aws-cdk:subnet-type")["Value"].Str())
            .Distinct()
            .Single();
        Assert.Equal(("Public", "Private", "Isolated"), (TypeOf("public"), TypeOf("private"), TypeOf("data")));
        Assert.All(subnets, s => Assert.False(s.Resource.Props()["MapPublicIpOnLaunch"]?.GetValue<bool>() ?? false));
    }

    [Theory]
    [InlineData("dev", 1)]
    [InlineData("staging", 2)]
    [InlineData("prod", 3)]
    public void Nat_gateways_follow_the_table(string env, int expected) =>
        app.Platform[env].ResourceCountIs("AWS::EC2::NatGateway", expected);

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_vpc_is_created_here_with_the_environment_in_its_name(string env) =>
        app.Platform[env].HasResourceProperties("AWS::EC2::VPC", new Dictionary<string, object>
        {
            ["Tags"] = Match.ArrayWith([new Dictionary<string, object> { ["Key"] = "Name", ["Value"] = $"payments-{env}-vpc" }]),
        });

    [Theory]
    [MemberData(nameof(Environments))]
    public void Flow_logs_capture_all_traffic_into_an_encrypted_log_group(string env)
    {
        var flowLog = app.One(env, "AWS::EC2::FlowLog");
        Assert.Equal("ALL", flowLog.Props()["TrafficType"].Str());
        Assert.Equal("cloud-watch-logs", flowLog.Props()["LogDestinationType"].Str());
        Assert.Contains("NetworkFlowLogs", flowLog.Props()["LogGroupName"].Text(), StringComparison.Ordinal);
        Assert.Contains("NetworkFlowLogRole", flowLog.Props()["DeliverLogsPermissionArn"].Text(), StringComparison.Ordinal);
        // Seed 003: LogDestination with the CloudWatch Logs type is rejected; the group is named instead.
        Assert.Null(flowLog.Props()["LogDestination"]);
        var group = app.One(env, "AWS::Logs::LogGroup", g => g.Props()["LogGroupName"].Str() == $"/payments/{env}/vpc-flow-logs");
        Assert.Equal(app.KeyArnReference(env), group.Props()["KmsKeyId"].Text());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void There_are_no_vpc_endpoints_unless_turned_on(string env) =>
        app.Platform[env].ResourceCountIs("AWS::EC2::VPCEndpoint", 0);

    [Fact]
    public void Vpc_endpoints_appear_when_the_flag_is_on()
    {
        var (stages, _) = SynthesizedEnvironments.Synthesize(new Dictionary<string, object> { ["environments"] = "dev", ["vpcInterfaceEndpoints"] = "true" });
        var template = TemplateJson.Of(Template.FromStack(stages.Single().Platform));
        var endpoints = TemplateJson.Resources(template, "AWS::EC2::VPCEndpoint");
        Assert.Equal(7, endpoints.Count);
        Assert.Single(endpoints, e => e.Resource.Props()["VpcEndpointType"]?.Str() == "Gateway");
    }

    [Fact]
    public void Without_an_account_the_stacks_still_span_three_zones()
    {
        var (stages, settings) = SynthesizedEnvironments.Synthesize(new Dictionary<string, object> { ["environments"] = "staging" }, withAccount: false);
        Assert.Null(settings.Account);
        var template = TemplateJson.Of(Template.FromStack(stages.Single().Platform));
        var zones = TemplateJson.Resources(template, "AWS::EC2::Subnet").Select(s => s.Resource.Props()["AvailabilityZone"].Str()).Distinct().Order();
        Assert.Equal(["eu-west-1a", "eu-west-1b", "eu-west-1c"], zones);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_flow_log_role_is_assumed_by_the_flow_logs_service(string env) =>
        Assert.Contains(app.Resources(env, "AWS::IAM::Role"), r =>
            r.Resource.Props()["RoleName"]?.Text() == $"\"payments-{env}-vpc-flow-logs\""
            && r.Resource.Props()["AssumeRolePolicyDocument"].Text().Contains("vpc-flow-logs.amazonaws.com", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_vpc_is_created_by_the_stack_and_synthesis_needs_no_context_lookup(string env)
    {
        // Seed 000: Vpc.fromLookup failed without credentials.
        Assert.Single(app.Resources(env, "AWS::EC2::VPC"));
        var missing = app.Stage(env).Stage.Synth().Manifest.Missing;
        Assert.True(missing is null || missing.Length == 0, $"{env}: synth asked for context lookups: {string.Join(", ", missing?.Select(m => m.Key) ?? [])}");
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_ingress_rule_in_the_stack_is_one_the_network_design_allows(string env)
    {
        // "ALB -> api port only; api/worker -> DB port only; nothing else in", over every security group of
        // the stack (also the ones no construct test names, e.g. the pre-traffic hook's), inline or separate.
        var groups = app.Resources(env, "AWS::EC2::SecurityGroup").ToDictionary(g => g.Id, g => g.Resource.Props()["GroupName"]?.Str() is { Length: > 0 } name ? name : g.Id);
        string GroupOf(System.Text.Json.Nodes.JsonNode? reference) => groups.Single(g => reference.Text().Contains($"\"{g.Key}\"", StringComparison.Ordinal)).Value;
        string SourceOf(System.Text.Json.Nodes.JsonNode rule) =>
            rule["SourceSecurityGroupId"] is { } source ? GroupOf(source)
            : rule["CidrIp"].Text() == "\"0.0.0.0/0\"" ? "internet"
            : rule["CidrIp"].Text().Contains("CidrBlock", StringComparison.Ordinal) ? "vpc"
            : rule["CidrIp"].Text().Contains("EIP", StringComparison.Ordinal) && rule["CidrIp"].Text().Contains("/32", StringComparison.Ordinal) ? "nat-eip"
            : rule.Text();
        var rules = new List<string>();
        foreach (var (id, group) in app.Resources(env, "AWS::EC2::SecurityGroup"))
        {
            rules.AddRange(group.Props()["SecurityGroupIngress"].Items().Select(r => $"{groups[id]} tcp {r["FromPort"].Number()}-{r["ToPort"].Number()} from {SourceOf(r)} ({r["IpProtocol"].Str()})"));
        }
        rules.AddRange(app.Resources(env, "AWS::EC2::SecurityGroupIngress").Select(r => r.Resource.Props())
            .Select(r => $"{GroupOf(r["GroupId"])} tcp {r["FromPort"].Number()}-{r["ToPort"].Number()} from {SourceOf(r)} ({r["IpProtocol"].Str()})"));

        var nat = app.Stage(env).Config.NatGateways;
        var expected = new List<string>
        {
            $"payments-{env}-alb tcp 80-80 from internet (tcp)",
            $"payments-{env}-alb tcp 8443-8443 from vpc (tcp)",
            $"payments-{env}-api tcp 8080-8080 from payments-{env}-alb (tcp)",
            $"payments-{env}-database tcp 5432-5432 from payments-{env}-api (tcp)",
            $"payments-{env}-database tcp 5432-5432 from payments-{env}-worker (tcp)",
            // Secrets Manager's rotation functions change the passwords in the database.
            $"payments-{env}-database tcp 5432-5432 from payments-{env}-database-rotation (tcp)",
        };
        expected.AddRange(Enumerable.Repeat($"payments-{env}-alb tcp 8443-8443 from nat-eip (tcp)", nat));
        Assert.Equal(expected.Order(), rules.Order());
    }
}
