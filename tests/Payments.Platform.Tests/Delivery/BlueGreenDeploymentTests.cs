using Amazon.CDK.Assertions;
using Payments.Api.Hosting;
using Payments.Platform.Delivery;

namespace Payments.Platform.Tests.Delivery;

[Collection(SynthesizedApp.Name)]
public sealed class BlueGreenDeploymentTests(BlueGreenFixture fixture, SynthesizedEnvironments app) : IClassFixture<BlueGreenFixture>
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [InlineData("dev", "CodeDeployDefault.ECSAllAtOnce", 5)]
    [InlineData("staging", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", 15)]
    [InlineData("prod", "CodeDeployDefault.ECSCanary10Percent5Minutes", 60)]
    public void Each_environment_shifts_traffic_its_own_way_and_keeps_blue_for_its_termination_wait(string env, string config, int terminationMinutes) =>
        fixture.Templates[env].HasResourceProperties("AWS::CodeDeploy::DeploymentGroup", Match.ObjectLike(new Dictionary<string, object>
        {
            ["ApplicationName"] = Match.AnyValue(),
            ["DeploymentGroupName"] = $"payments-{env}-api",
            ["DeploymentConfigName"] = config,
            ["DeploymentStyle"] = new Dictionary<string, object> { ["DeploymentOption"] = "WITH_TRAFFIC_CONTROL", ["DeploymentType"] = "BLUE_GREEN" },
            ["BlueGreenDeploymentConfiguration"] = new Dictionary<string, object>
            {
                ["DeploymentReadyOption"] = new Dictionary<string, object> { ["ActionOnTimeout"] = "CONTINUE_DEPLOYMENT", ["WaitTimeInMinutes"] = 0 },
                ["TerminateBlueInstancesOnDeploymentSuccess"] = new Dictionary<string, object> { ["Action"] = "TERMINATE", ["TerminationWaitTimeInMinutes"] = terminationMinutes },
            },
        }));

    [Theory]
    [MemberData(nameof(Environments))]
    public void Rollback_is_automatic_on_failure_stop_and_alarm(string env)
    {
        var group = TemplateJson.Single(fixture.Templates[env], "AWS::CodeDeploy::DeploymentGroup")["Properties"]!;
        Assert.True((bool)group["AutoRollbackConfiguration"]!["Enabled"]!);
        var events = group["AutoRollbackConfiguration"]!["Events"]!.AsArray().Select(e => (string)e!).Order().ToList();
        Assert.Equal(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"], events);
        Assert.True((bool)group["AlarmConfiguration"]!["Enabled"]!);
        Assert.Equal(3, group["AlarmConfiguration"]!["Alarms"]!.AsArray().Count);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_group_swaps_the_blue_and_green_target_groups_behind_the_prod_and_test_listeners(string env)
    {
        var template = fixture.Templates[env];
        var groups = template.FindResources("AWS::CodeDeploy::DeploymentGroup");
        var json = System.Text.Json.JsonSerializer.Serialize(groups.Values.Single());
        foreach (var logicalIdPrefix in new[] { "Blue", "Green", "AlbProd", "AlbTest" })
        {
            Assert.Contains($"\"{logicalIdPrefix}", json, StringComparison.Ordinal);
        }
        Assert.Contains("\"ProdTrafficRoute\"", json, StringComparison.Ordinal);
        Assert.Contains("\"TestTrafficRoute\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_hook_is_an_inline_node24_function_with_the_readiness_path_and_the_test_listener(string env)
    {
        var template = fixture.Templates[env];
        template.HasResourceProperties("AWS::Lambda::Function", Match.ObjectLike(new Dictionary<string, object>
        {
            ["FunctionName"] = $"payments-{env}-pre-traffic-hook",
            ["Runtime"] = "nodejs24.x",
            ["Handler"] = "index.handler",
            ["Code"] = new Dictionary<string, object> { ["ZipFile"] = Match.StringLikeRegexp("PutLifecycleEventHookExecutionStatus") },
            ["VpcConfig"] = Match.AnyValue(),
            ["Environment"] = new Dictionary<string, object>
            {
                ["Variables"] = Match.ObjectLike(new Dictionary<string, object>
                {
                    ["READINESS_PATH"] = ServiceContract.ReadinessPath,
                    ["TEST_ENDPOINT"] = Match.AnyValue(),
                    ["SMOKE_SECRET_ID"] = Match.AnyValue(),
                }),
            },
        }));
        var code = LambdaSource.Read(PreTrafficHook.FunctionFolder);
        Assert.Contains("exports.handler", code, StringComparison.Ordinal);
        var function = TemplateJson.Resources(template, "AWS::Lambda::Function").Single(f => (string?)f.Resource["Properties"]!["FunctionName"] == $"payments-{env}-pre-traffic-hook");
        Assert.Equal(code, (string?)function.Resource["Properties"]!["Code"]!["ZipFile"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_hook_may_report_only_to_its_own_deployment_group_and_read_only_the_smoke_secret(string env)
    {
        var template = fixture.Templates[env];
        template.HasResourceProperties("AWS::IAM::Policy", Match.ObjectLike(new Dictionary<string, object>
        {
            ["PolicyDocument"] = new Dictionary<string, object>
            {
                ["Statement"] = Match.ArrayWith([
                    Match.ObjectLike(new Dictionary<string, object>
                    {
                        ["Action"] = Match.ArrayWith(["secretsmanager:GetSecretValue"]),
                        ["Resource"] = new Dictionary<string, object> { ["Ref"] = Match.StringLikeRegexp("DeliverySmokeMerchant") },
                    }),
                    Match.ObjectLike(new Dictionary<string, object>
                    {
                        ["Action"] = "codedeploy:PutLifecycleEventHookExecutionStatus",
                        ["Resource"] = Match.AnyValue(),
                    }),
                ]),
                ["Version"] = "2012-10-17",
            },
        }));
        var json = System.Text.Json.JsonSerializer.Serialize(template.ToJSON());
        Assert.Contains($":deploymentgroup:payments-{env}/payments-{env}-api", json, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void CodeDeploy_uses_the_ecs_managed_policy_and_may_invoke_the_hook(string env)
    {
        var template = fixture.Templates[env];
        template.HasResourceProperties("AWS::IAM::Role", Match.ObjectLike(new Dictionary<string, object>
        {
            ["AssumeRolePolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Principal"] = new Dictionary<string, object> { ["Service"] = "codedeploy.amazonaws.com" },
                })]),
            }),
            ["ManagedPolicyArns"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object>
            {
                ["Fn::Join"] = Match.ArrayWith([Match.ArrayWith([":iam::aws:policy/AWSCodeDeployRoleForECS"])]),
            })]),
        }));
        template.HasResourceProperties("AWS::IAM::Policy", Match.ObjectLike(new Dictionary<string, object>
        {
            ["PolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object> { ["Action"] = "lambda:InvokeFunction" })]),
            }),
            ["Roles"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object> { ["Ref"] = Match.StringLikeRegexp("DeliveryServiceRole") })]),
        }));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_smoke_merchant_key_is_generated_by_secrets_manager_and_injected_into_the_service(string env)
    {
        var template = fixture.Templates[env];
        template.HasResourceProperties("AWS::SecretsManager::Secret", Match.ObjectLike(new Dictionary<string, object>
        {
            ["KmsKeyId"] = Match.AnyValue(),
            ["GenerateSecretString"] = new Dictionary<string, object>
            {
                ["SecretStringTemplate"] = $$"""{"merchantId":"acct_smoke_{{env}}"}""",
                ["GenerateStringKey"] = "apiKey",
                ["ExcludePunctuation"] = true,
                ["PasswordLength"] = 48,
            },
        }));
        template.HasResourceProperties("AWS::ECS::TaskDefinition", Match.ObjectLike(new Dictionary<string, object>
        {
            ["ContainerDefinitions"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object>
            {
                ["Name"] = "api",
                ["Secrets"] = Match.ArrayWith([
                    Match.ObjectLike(new Dictionary<string, object> { ["Name"] = "Payments__Merchants__0__Id", ["ValueFrom"] = Match.ObjectLike(new Dictionary<string, object> { ["Fn::Join"] = Match.ArrayWith([Match.ArrayWith([":merchantId::"])]) }) }),
                    Match.ObjectLike(new Dictionary<string, object> { ["Name"] = "Payments__Merchants__0__ApiKey", ["ValueFrom"] = Match.ObjectLike(new Dictionary<string, object> { ["Fn::Join"] = Match.ArrayWith([Match.ArrayWith([":apiKey::"])]) }) }),
                ]),
            })]),
        }));
    }

    [Theory]
    [InlineData("dev", "Delete")]
    [InlineData("staging", "Delete")]
    [InlineData("prod", "Retain")]
    public void The_smoke_secret_follows_the_environment_removal_policy(string env, string policy) =>
        fixture.Templates[env].HasResource("AWS::SecretsManager::Secret", Match.ObjectLike(new Dictionary<string, object> { ["DeletionPolicy"] = policy }));

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_hook_reaches_only_the_test_listener_port_and_https(string env)
    {
        var template = fixture.Templates[env];
        template.HasResourceProperties("AWS::EC2::SecurityGroup", Match.ObjectLike(new Dictionary<string, object>
        {
            ["GroupDescription"] = Match.StringLikeRegexp("pre-traffic hook"),
            ["SecurityGroupEgress"] = new object[]
            {
                Match.ObjectLike(new Dictionary<string, object> { ["FromPort"] = BlueGreenFixture.TestListenerPort, ["ToPort"] = BlueGreenFixture.TestListenerPort, ["IpProtocol"] = "tcp" }),
                Match.ObjectLike(new Dictionary<string, object> { ["FromPort"] = 443, ["ToPort"] = 443, ["IpProtocol"] = "tcp" }),
            },
        }));
    }

    [Fact]
    public void An_HTTPS_test_listener_verifies_TLS_against_the_configured_certificate_name()
    {
        var (stack, _) = BlueGreenFixture.BuildAlone("prod", "https://alb.example:8443", "payments.example.com");
        Template.FromStack(stack).HasResourceProperties("AWS::Lambda::Function", Match.ObjectLike(new Dictionary<string, object>
        {
            ["FunctionName"] = "payments-prod-pre-traffic-hook",
            ["Environment"] = new Dictionary<string, object>
            {
                ["Variables"] = Match.ObjectLike(new Dictionary<string, object> { ["TEST_TLS_HOST"] = "payments.example.com", ["TEST_ENDPOINT"] = "https://alb.example:8443" }),
            },
        }));
        Annotations.FromStack(stack).HasNoWarning("*", Match.StringLikeRegexp("testTlsHost"));
    }

    [Fact]
    public void An_HTTPS_test_listener_without_a_certificate_name_is_flagged_at_synth()
    {
        var (stack, _) = BlueGreenFixture.BuildAlone("prod", "https://alb.example:8443", tlsHost: null);
        Annotations.FromStack(stack).HasWarning("*", Match.StringLikeRegexp("testTlsHost:prod"));
    }

    [Fact]
    public void Unknown_environments_and_missing_alarms_are_refused()
    {
        var unknown = Assert.Throws<ArgumentException>(() => DeliveryTable.For("qa"));
        Assert.Contains("'qa'", unknown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void In_the_platform_the_group_rolls_back_on_5xx_p99_and_unhealthy_hosts_of_either_target_group(string env)
    {
        // The live group alternates with every swap, so "green" is whichever group CodeDeploy fills next:
        // the group must watch the three signals on both groups, and nothing else.
        var group = app.One(env, "AWS::CodeDeploy::DeploymentGroup").Props();
        var alarmIds = group["AlarmConfiguration"]!["Alarms"].Items().Select(a => a["Name"]!["Ref"].Str()).ToHashSet();
        var alarmsByName = app.Resources(env, "AWS::CloudWatch::Alarm").ToDictionary(a => a.Resource.Props()["AlarmName"].Str(), a => a.Id);
        var expected = new[] { "blue", "green" }
            .SelectMany(colour => new[] { $"api-{colour}-5xx", $"api-{colour}-p99-latency", $"api-{colour}-unhealthy-hosts" })
            .Select(name => alarmsByName[$"payments-{env}-{name}"])
            .ToHashSet();
        Assert.Equal(expected.Order(), alarmIds.Order());

        // Each alarm watches its own target group's metric: 5xx from the targets, p99 response time, unhealthy hosts.
        foreach (var colour in new[] { "blue", "green" })
        {
            var targetGroupId = app.Resources(env, "AWS::ElasticLoadBalancingV2::TargetGroup").Single(t => t.Resource.Props()["Name"].Str() == $"payments-{env}-{colour}").Id;
            foreach (var (name, metric) in new[] { ("5xx", "HTTPCode_Target_5XX_Count"), ("p99-latency", "TargetResponseTime"), ("unhealthy-hosts", "UnHealthyHostCount") })
            {
                var alarm = app.One(env, "AWS::CloudWatch::Alarm", a => a.Props()["AlarmName"].Str() == $"payments-{env}-api-{colour}-{name}").Props();
                Assert.Equal(metric, alarm["MetricName"].Str());
                Assert.Contains(targetGroupId, alarm["Dimensions"].Text(), StringComparison.Ordinal);
            }
        }
    }
}
