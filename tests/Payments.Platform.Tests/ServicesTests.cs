using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Payments.Preflight.Permissions;
using Payments.Api.Hosting;
using Payments.Platform.Constructs;

namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class ServicesTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    private JsonObject Service(string env, string name) =>
        app.One(env, "AWS::ECS::Service", s => s.Props()["ServiceName"].Str() == $"payments-{env}-{name}");

    private JsonObject TaskDefinition(string env, string name) =>
        app.One(env, "AWS::ECS::TaskDefinition", t => t.Props()["Family"].Str() == $"payments-{env}-{name}");

    private JsonNode Container(string env, string name) => TaskDefinition(env, name).Props()["ContainerDefinitions"]![0]!;

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_cluster_has_container_insights_and_both_fargate_capacity_providers(string env)
    {
        var cluster = app.One(env, "AWS::ECS::Cluster").Props();
        Assert.Equal($"payments-{env}", cluster["ClusterName"].Str());
        Assert.Contains(cluster["ClusterSettings"].Items(), s => s["Name"].Str() == "containerInsights" && s["Value"].Str() == "enabled");
        var providers = app.One(env, "AWS::ECS::ClusterCapacityProviderAssociations").Props()["CapacityProviders"].Items().Select(p => p.Str()).Order();
        Assert.Equal(["FARGATE", "FARGATE_SPOT"], providers);
        Assert.NotNull(cluster["Configuration"]!["ExecuteCommandConfiguration"]!["KmsKeyId"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void A_private_cloud_map_namespace_carries_the_environment(string env) =>
        Assert.Equal($"{env}.payments.internal", app.One(env, "AWS::ServiceDiscovery::PrivateDnsNamespace").Props()["Name"].Str());

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_api_service_uses_code_deploy_with_the_blue_target_group_and_no_rolling_settings(string env)
    {
        var api = Service(env, "api").Props();
        Assert.Equal("CODE_DEPLOY", api["DeploymentController"]!["Type"].Str());
        Assert.Null(api["DeploymentConfiguration"]);
        var loadBalancer = api["LoadBalancers"].Items().Single();
        Assert.Equal("api", loadBalancer["ContainerName"].Str());
        Assert.Equal(ServiceContract.HttpPort, loadBalancer["ContainerPort"].Number());
        var blue = app.Resources(env, "AWS::ElasticLoadBalancingV2::TargetGroup").Single(t => t.Resource.Props()["Name"].Str() == $"payments-{env}-blue").Id;
        Assert.Equal(blue, loadBalancer["TargetGroupArn"]!["Ref"].Str());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_api_service_names_its_task_definition_family_and_waits_for_it_and_the_listeners(string env)
    {
        var api = Service(env, "api");
        Assert.Equal($"payments-{env}-api", api.Props()["TaskDefinition"].Str());
        var dependsOn = api["DependsOn"].Items().Select(d => d.Str()).ToList();
        var taskDefinition = app.Resources(env, "AWS::ECS::TaskDefinition").Single(t => t.Resource.Props()["Family"].Str() == $"payments-{env}-api").Id;
        Assert.Contains(taskDefinition, dependsOn);
        Assert.Equal(2, app.Resources(env, "AWS::ElasticLoadBalancingV2::Listener").Count(l => dependsOn.Contains(l.Id)));
    }

    [Theory]
    [InlineData("dev", "256", "512", 1, 2)]
    [InlineData("staging", "512", "1024", 2, 4)]
    [InlineData("prod", "1024", "2048", 3, 12)]
    public void Api_size_count_and_scaling_bounds_follow_the_table(string env, string cpu, string memory, int desired, int max)
    {
        var task = TaskDefinition(env, "api").Props();
        Assert.Equal((cpu, memory), (task["Cpu"].Str(), task["Memory"].Str()));
        Assert.Equal(desired, Service(env, "api").Props()["DesiredCount"].Number());
        var target = app.One(env, "AWS::ApplicationAutoScaling::ScalableTarget").Props();
        Assert.Equal((desired, max), (target["MinCapacity"].Number(), target["MaxCapacity"].Number()));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Api_autoscales_on_cpu_and_on_requests_per_target_of_both_target_groups(string env)
    {
        var policies = app.Resources(env, "AWS::ApplicationAutoScaling::ScalingPolicy")
            .Select(p => p.Resource.Props()["TargetTrackingScalingPolicyConfiguration"]!["PredefinedMetricSpecification"]!)
            .ToList();
        Assert.Single(policies, p => p["PredefinedMetricType"].Str() == "ECSServiceAverageCPUUtilization");
        var requests = policies.Where(p => p["PredefinedMetricType"].Str() == "ALBRequestCountPerTarget").ToList();
        Assert.Equal(2, requests.Count);
        Assert.Contains(requests, p => p["ResourceLabel"].Text().Contains("EdgeBlueTargetGroup", StringComparison.Ordinal));
        Assert.Contains(requests, p => p["ResourceLabel"].Text().Contains("EdgeGreenTargetGroup", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Services_run_privately_with_exec_and_grace_period(string env)
    {
        var api = Service(env, "api").Props();
        Assert.True(api["EnableExecuteCommand"]!.GetValue<bool>());
        Assert.Equal(90, api["HealthCheckGracePeriodSeconds"].Number());
        Assert.Equal("DISABLED", api["NetworkConfiguration"]!["AwsvpcConfiguration"]!["AssignPublicIp"].Str());
        var worker = Service(env, "worker").Props();
        Assert.True(worker["EnableExecuteCommand"]!.GetValue<bool>());
        Assert.Equal("DISABLED", worker["NetworkConfiguration"]!["AwsvpcConfiguration"]!["AssignPublicIp"].Str());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_worker_runs_the_same_image_as_the_relay_role_without_a_load_balancer(string env)
    {
        var worker = Service(env, "worker").Props();
        Assert.Null(worker["LoadBalancers"]);
        Assert.Equal("ECS", worker["DeploymentController"]!["Type"].Str());
        Assert.Single(worker["ServiceRegistries"].Items());
        Assert.Equal([ServiceContract.RoleSwitch, ServiceContract.WorkerRole], Container(env, "worker")["Command"].Items().Select(c => c.Str()));
        Assert.Equal([ServiceContract.RoleSwitch, ServiceContract.ApiRole], Container(env, "api")["Command"].Items().Select(c => c.Str()));
        Assert.Equal(Container(env, "api")["Image"].Text(), Container(env, "worker")["Image"].Text());
        Assert.Null(Container(env, "worker")["PortMappings"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Containers_stop_later_than_the_app_shuts_down_and_listen_on_the_contract_port(string env)
    {
        foreach (var name in new[] { "api", "worker" })
        {
            Assert.True(Container(env, name)["StopTimeout"].Number() > ServiceContract.ShutdownTimeoutSeconds);
            Assert.True(Container(env, name)["LinuxParameters"]!["InitProcessEnabled"]!.GetValue<bool>());
        }
        Assert.Equal(ServiceContract.HttpPort, Container(env, "api")["PortMappings"]![0]!["ContainerPort"].Number());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_database_login_arrives_as_plain_settings_and_no_password_is_in_the_app_containers(string env)
    {
        foreach (var name in new[] { "api", "worker" })
        {
            // Rotation changes the password under running tasks: the app reads it at run time (DatabaseTests).
            Assert.DoesNotContain(Container(env, name)["Secrets"].Items(), s => s["Name"].Str().StartsWith("Payments__Database__", StringComparison.Ordinal));
            var environment = Container(env, name)["Environment"].Items().ToDictionary(e => e["Name"].Str(), e => e["Value"].Text());
            Assert.Equal("\"Postgres\"", environment["Payments__Store"]);
            Assert.Equal($"\"{app.Stage(env).Config.ConnectionPoolPerTask()}\"", environment["Payments__Database__MaxPoolSize"]);
            Assert.Equal("\"5432\"", environment["Payments__Database__Port"]);
            Assert.Equal("\"payments\"", environment["Payments__Database__Name"]);
            Assert.Contains("Endpoint.Address", environment["Payments__Database__Host"], StringComparison.Ordinal);
            Assert.DoesNotContain("Payments__Database__Password", environment.Keys);
        }
        Assert.Contains("Payments__CardFingerprintKey", Container(env, "api")["Secrets"].Items().Select(s => s["Name"].Str()));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Only_the_api_trusts_the_forwarded_scheme_and_address_and_only_the_load_balancer_reaches_it(string env)
    {
        var api = Container(env, "api")["Environment"].Items().ToDictionary(e => e["Name"].Str(), e => e["Value"].Text());
        var worker = Container(env, "worker")["Environment"].Items().Select(e => e["Name"].Str());
        Assert.Equal("\"true\"", api["Payments__Dashboard__TrustForwardedProto"]);
        Assert.Equal("\"true\"", api["Payments__Dashboard__TrustForwardedFor"]);
        Assert.DoesNotContain("Payments__Dashboard__TrustForwardedProto", worker);
        Assert.DoesNotContain("Payments__Dashboard__TrustForwardedFor", worker);

        // The dashboard takes X-Forwarded-Proto and the last X-Forwarded-For entry from whoever connects: that must be
        // the ALB, which overwrites the one and appends its peer to the other (no load balancer attribute changes that).
        Assert.All(app.Resources(env, "AWS::ElasticLoadBalancingV2::LoadBalancer"), lb => Assert.DoesNotContain(
            lb.Resource.Props()["LoadBalancerAttributes"].Items(), attribute => attribute["Key"].Str() == "routing.http.xff_header_processing.mode"));
        var apiGroup = Service(env, "api").Props()["NetworkConfiguration"]!["AwsvpcConfiguration"]!["SecurityGroups"]![0]!["Fn::GetAtt"]![0].Str();
        var albGroups = app.Resources(env, "AWS::ElasticLoadBalancingV2::LoadBalancer")
            .SelectMany(lb => lb.Resource.Props()["SecurityGroups"].Items().Select(g => g["Fn::GetAtt"]![0].Str())).ToHashSet();
        var sources = app.Resources(env, "AWS::EC2::SecurityGroupIngress")
            .Select(i => i.Resource.Props())
            .Where(i => i["GroupId"]?["Fn::GetAtt"]?[0]?.GetValue<string>() == apiGroup)
            .Select(i => i["SourceSecurityGroupId"]?["Fn::GetAtt"]?[0]?.GetValue<string>() ?? i.ToJsonString())
            .ToList();
        var inline = app.Resources(env, "AWS::EC2::SecurityGroup").Single(g => g.Id == apiGroup).Resource.Props()["SecurityGroupIngress"];
        Assert.Null(inline);
        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.Contains(source, albGroups));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_worker_exports_the_transaction_log_to_the_bucket(string env)
    {
        var environment = Container(env, "worker")["Environment"].Items().ToDictionary(e => e["Name"].Str(), e => e["Value"]!);
        Assert.Equal("S3", environment["Payments__TransactionLog__Sink"].Str());
        Assert.Equal("transaction-log/", environment["Payments__TransactionLog__Prefix"].Str());
        var bucketId = app.Resources(env, "AWS::S3::Bucket").Single(b => b.Resource.Props()["BucketName"].Text().Contains("transaction-log", StringComparison.Ordinal)).Id;
        Assert.Equal(bucketId, environment["Payments__TransactionLog__Bucket"]["Ref"].Str());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Each_service_has_its_own_execution_and_task_role_assumed_by_ecs_tasks(string env)
    {
        var roles = app.Resources(env, "AWS::IAM::Role").Select(r => r.Resource.Props()).ToList();
        foreach (var name in new[] { "api-execution", "api-task", "worker-execution", "worker-task" })
        {
            var role = roles.Single(r => r["RoleName"]?.Text() == $"\"payments-{env}-{name}\"");
            var trust = role["AssumeRolePolicyDocument"]!["Statement"]![0]!;
            Assert.Equal("ecs-tasks.amazonaws.com", trust["Principal"]!["Service"].Str());
            Assert.Equal(SynthesizedEnvironments.TestAccount, trust["Condition"]!["StringEquals"]!["aws:SourceAccount"].Str());
            Assert.Null(role["ManagedPolicyArns"]);
        }
        var api = TaskDefinition(env, "api").Props();
        var worker = TaskDefinition(env, "worker").Props();
        Assert.NotEqual(api["TaskRoleArn"].Text(), worker["TaskRoleArn"].Text());
        Assert.NotEqual(api["ExecutionRoleArn"].Text(), api["TaskRoleArn"].Text());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Only_the_worker_task_role_may_write_the_transaction_log_and_only_under_its_prefix(string env)
    {
        var policies = app.Resources(env, "AWS::IAM::Policy").Select(p => p.Resource.Props()).ToList();
        var writers = policies.Where(p => p["PolicyDocument"]!["Statement"].Items().Any(s => s["Action"].Text().Contains("s3:PutObject", StringComparison.Ordinal))).ToList();
        var writer = Assert.Single(writers);
        Assert.Contains("WorkerTaskRole", writer["Roles"].Text(), StringComparison.Ordinal);
        Assert.Contains("/transaction-log/*", writer["PolicyDocument"].Text(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_worker_writes_the_transaction_log_with_exact_s3_and_kms_actions(string env)
    {
        var statements = app.Resources(env, "AWS::IAM::Policy")
            .Select(p => p.Resource.Props())
            .Single(p => p["Roles"].Text().Contains("WorkerTaskRole", StringComparison.Ordinal))["PolicyDocument"]!["Statement"].Items()
            .ToList();
        JsonNode Statement(string sid) => statements.Single(s => s["Sid"] is not null && s["Sid"].Str() == sid);
        List<string> Actions(string sid) => Statement(sid)["Action"].Items().Select(a => a.Str()).Order().ToList();
        Assert.Equal(["s3:AbortMultipartUpload", "s3:PutObject"], Actions("WriteTransactionLog"));
        Assert.Contains("/transaction-log/*", Statement("WriteTransactionLog")["Resource"].Text(), StringComparison.Ordinal);
        Assert.Equal(["kms:Decrypt", "kms:GenerateDataKey"], Actions("EncryptTransactionLog"));
        Assert.Equal(app.KeyArnReference(env), Statement("EncryptTransactionLog")["Resource"]!.ToJsonString());
        // No wildcard action anywhere in the worker's task policy (cdk-nag AwsSolutions-IAM5).
        Assert.DoesNotContain(statements.SelectMany(s => s["Action"] is JsonArray list ? list.Select(a => a.Str()) : [s["Action"].Str()]), a => a.Contains('*', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dev", true)]
    [InlineData("staging", true)]
    [InlineData("prod", false)]
    public void Spot_capacity_is_used_outside_prod_only(string env, bool spot)
    {
        var api = Service(env, "api").Props()["CapacityProviderStrategy"].Items().ToList();
        Assert.Contains(api, s => s["CapacityProvider"].Str() == "FARGATE" && s["Base"].Number() == 1);
        Assert.Equal(spot, api.Any(s => s["CapacityProvider"].Str() == "FARGATE_SPOT"));
        Assert.Equal(spot ? "FARGATE_SPOT" : "FARGATE", Service(env, "worker").Props()["CapacityProviderStrategy"]![0]!["CapacityProvider"].Str());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Task_security_groups_admit_only_the_load_balancer_on_the_service_port(string env)
    {
        var groups = app.Resources(env, "AWS::EC2::SecurityGroup").ToDictionary(g => g.Resource.Props()["GroupName"].Str(), g => g.Id);
        var ingress = app.Resources(env, "AWS::EC2::SecurityGroupIngress").Select(r => r.Resource.Props()).ToList();
        var toApi = ingress.Where(r => r["GroupId"].Text().Contains(groups[$"payments-{env}-api"], StringComparison.Ordinal)).ToList();
        var rule = Assert.Single(toApi);
        Assert.Equal(ServiceContract.HttpPort, rule["FromPort"].Number());
        Assert.Contains(groups[$"payments-{env}-alb"], rule["SourceSecurityGroupId"].Text(), StringComparison.Ordinal);
        Assert.DoesNotContain(ingress, r => r["GroupId"].Text().Contains(groups[$"payments-{env}-worker"], StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_image_comes_from_the_dockerfile_asset_with_a_fixed_hash_never_a_public_registry(string env)
    {
        var image = Container(env, "api")["Image"].Text();
        Assert.Contains("payments-api-bootstrap-v1", image, StringComparison.Ordinal);
        Assert.Contains(".dkr.ecr.", image, StringComparison.Ordinal);
        var stage = app.Stage(env);
        var assembly = stage.Stage.Synth();
        var assets = JsonNode.Parse(File.ReadAllText(Path.Combine(assembly.Directory, $"{stage.Platform.ArtifactId}.assets.json")))!;
        var dockerImage = assets["dockerImages"]!.AsObject().Single().Value!;
        Assert.Equal("src/Payments.Api/Dockerfile", dockerImage["source"]!["dockerFile"].Str());
        Assert.Equal(app.Settings.RepositoryRoot, dockerImage["source"]!["directory"].Str());
        Assert.True(File.Exists(Path.Combine(app.Settings.RepositoryRoot, "src/Payments.Api/Hosting/ServiceContract.cs")));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Both_execution_roles_may_pull_release_images_from_the_environment_repository(string env)
    {
        // Releases render payments-<env>/api:<commit> into both task definitions, also when this synth ran
        // the bootstrap image from CDK's asset repository (no -c imageTag).
        var access = new TemplateAccess(app.PlatformJson[env], SynthesizedEnvironments.TestAccount, SynthesizedEnvironments.TestRegion);
        var repository = app.Resources(env, "AWS::ECR::Repository").Single().Id;
        Assert.Null(app.Stage(env).Config.ImageTag);
        foreach (var service in new[] { "api", "worker" })
        {
            var role = access.Role(app.Resources(env, "AWS::IAM::Role").Single(r => r.Resource.Props()["RoleName"].Str() == $"payments-{env}-{service}-execution").Id);
            foreach (var action in new[] { "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage" })
            {
                Assert.Equal((service, action, Answer.Allowed), (service, action, access.Ask(role, action, repository)));
            }
            Assert.Equal((service, Answer.Allowed), (service, access.AskArn(role, "ecr:GetAuthorizationToken", "*")));
            Assert.Equal((service, "push", Answer.Refused), (service, "push", access.Ask(role, "ecr:PutImage", repository)));
        }
    }

    [Fact]
    public void With_an_image_tag_every_environment_runs_that_tag_from_its_own_repository_and_builds_no_asset()
    {
        const string commitTag = "0123456789abcdef0123456789abcdef01234567";
        var (stages, _) = SynthesizedEnvironments.Synthesize(new Dictionary<string, object> { ["imageTag"] = commitTag });
        Assert.Equal(SynthesizedEnvironments.EnvironmentNames, stages.Select(s => s.Config.Name));
        foreach (var stage in stages)
        {
            var env = stage.Config.Name;
            var template = TemplateJson.Of(Template.FromStack(stage.Platform));
            var repositoryId = TemplateJson.Resources(template, "AWS::ECR::Repository").Single().LogicalId;
            var containers = TemplateJson.Resources(template, "AWS::ECS::TaskDefinition")
                .Where(t => t.Resource.Props()["Family"].Str() is var family && (family == $"payments-{env}-api" || family == $"payments-{env}-worker"))
                .Select(t => t.Resource.Props()["ContainerDefinitions"]![0]!)
                .ToList();
            Assert.Equal(2, containers.Count);
            foreach (var container in containers)
            {
                var image = container["Image"].Text();
                Assert.Contains(repositoryId, image, StringComparison.Ordinal);
                Assert.EndsWith($":{commitTag}\"]]}}", image, StringComparison.Ordinal);
                Assert.DoesNotContain("payments-api-bootstrap-v1", image, StringComparison.Ordinal);
                Assert.DoesNotContain("cdk-hnb659fds-container-assets", image, StringComparison.Ordinal);
            }

            // The execution roles may pull that tag from the environment's repository (and only read it).
            var access = new TemplateAccess(template, SynthesizedEnvironments.TestAccount, SynthesizedEnvironments.TestRegion);
            foreach (var service in new[] { "api", "worker" })
            {
                var role = access.Role(TemplateJson.Resources(template, "AWS::IAM::Role").Single(r => r.Resource.Props()["RoleName"].Str() == $"payments-{env}-{service}-execution").LogicalId);
                Assert.Equal((service, Answer.Allowed), (service, access.Ask(role, "ecr:BatchGetImage", repositoryId)));
                Assert.Equal((service, Answer.Refused), (service, access.Ask(role, "ecr:PutImage", repositoryId)));
            }

            var assembly = stage.Stage.Synth();
            var assets = JsonNode.Parse(File.ReadAllText(Path.Combine(assembly.Directory, $"{stage.Platform.ArtifactId}.assets.json")))!;
            Assert.Empty(assets["dockerImages"]?.AsObject() ?? []);
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_worker_reaches_webhook_receivers_on_443_through_a_nat_gateway_and_opens_nothing_else(string env)
    {
        // Webhook deliveries leave the worker for merchants' HTTPS URLs on the internet.
        var template = app.PlatformJson[env];
        var worker = app.Resources(env, "AWS::EC2::SecurityGroup").Single(g => g.Resource.Props()["GroupName"].Str() == $"payments-{env}-worker").Id;
        var inline = app.Resources(env, "AWS::EC2::SecurityGroup").Single(g => g.Id == worker).Resource.Props()["SecurityGroupEgress"].Items()
            .Select(e => $"{e["CidrIp"].Str()}:{e["IpProtocol"].Str()}:{e["FromPort"].Number()}-{e["ToPort"].Number()}");
        var standalone = app.Resources(env, "AWS::EC2::SecurityGroupEgress").Select(e => e.Resource.Props())
            .Where(e => e["GroupId"].Text().Contains(worker, StringComparison.Ordinal)).ToList();
        Assert.Equal(["0.0.0.0/0:tcp:443-443"], inline);
        Assert.Equal([5432], standalone.Select(e => (int)e["FromPort"].Number()));

        var network = Service(env, "worker").Props()["NetworkConfiguration"]!["AwsvpcConfiguration"]!;
        Assert.Equal("DISABLED", network["AssignPublicIp"].Str());
        var routeTableOfSubnet = app.Resources(env, "AWS::EC2::SubnetRouteTableAssociation")
            .ToDictionary(a => a.Resource.Props()["SubnetId"]!["Ref"].Str(), a => a.Resource.Props()["RouteTableId"]!["Ref"].Str());
        var natRouteTables = app.Resources(env, "AWS::EC2::Route")
            .Where(r => r.Resource.Props()["DestinationCidrBlock"].Str() == "0.0.0.0/0" && r.Resource.Props()["NatGatewayId"] is not null)
            .Select(r => r.Resource.Props()["RouteTableId"]!["Ref"].Str())
            .ToHashSet();
        var subnets = network["Subnets"].Items().Select(s => s["Ref"].Str()).ToList();
        Assert.NotEmpty(subnets);
        Assert.All(subnets, subnet =>
        {
            Assert.True(template["Resources"]![subnet]!["Properties"]!["Tags"].Items().Any(t => t["Key"].Str() == "aws-cdk:subnet-name" && t["Value"].Str() == Network.PrivateTier), $"{subnet} is not a private subnet");
            Assert.Contains(routeTableOfSubnet[subnet], natRouteTables);
        });
    }
}
