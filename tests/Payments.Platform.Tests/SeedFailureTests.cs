using System.Diagnostics;
using System.Text.Json.Nodes;
using Payments.Api.Hosting;
using Payments.Platform.Constructs;

namespace Payments.Platform.Tests;

/// <summary>
/// One test per failure in the seed reports (../shared/seeds/NNN_*.txt): each proves what we
/// synthesize cannot fail that way. Names start with the seed number and the failure.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class SeedFailureTests(SynthesizedEnvironments app)
{
    private static readonly string[] All = ["dev", "staging", "prod"];

    private IEnumerable<JsonNode> Containers(string env) =>
        app.Resources(env, "AWS::ECS::TaskDefinition").SelectMany(t => t.Resource.Props()["ContainerDefinitions"].Items());

    // ---- seed 000 ----

    [Fact]
    public void Seed000_image_not_in_ecr_or_public_nginx_placeholder_never_used()
    {
        foreach (var env in All)
        {
            Assert.All(Containers(env), c =>
            {
                var image = c["Image"].Text();
                Assert.Contains(".dkr.ecr.", image, StringComparison.Ordinal);
                Assert.DoesNotContain("nginx", image, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("amazon-ecs-sample", image, StringComparison.OrdinalIgnoreCase);
            });
        }
    }

    [Fact]
    public void Seed000_health_check_port_mismatch_the_load_balancer_checks_what_the_app_serves()
    {
        foreach (var env in All)
        {
            Assert.All(app.Resources(env, "AWS::ElasticLoadBalancingV2::TargetGroup"), g =>
            {
                Assert.Equal(ServiceContract.ReadinessPath, g.Resource.Props()["HealthCheckPath"].Str());
                Assert.Equal(ServiceContract.HttpPort, g.Resource.Props()["Port"].Number());
            });
            var api = Containers(env).Single(c => c["Name"].Str() == Services.ApiContainerName);
            Assert.Equal(ServiceContract.HttpPort, api["PortMappings"]![0]!["ContainerPort"].Number());
        }
    }

    [Fact]
    public void Seed000_blue_green_commented_out_the_api_keeps_the_code_deploy_controller()
    {
        foreach (var env in All)
        {
            Assert.Single(app.Resources(env, "AWS::ECS::Service"), s => s.Resource.Props()["DeploymentController"]!["Type"].Str() == "CODE_DEPLOY");
        }
    }

    [Fact]
    public void Seed000_autoscaling_commented_out_the_api_scales_in_every_environment()
    {
        foreach (var env in All)
        {
            Assert.Single(app.Resources(env, "AWS::ApplicationAutoScaling::ScalableTarget"));
            Assert.Equal(3, app.Resources(env, "AWS::ApplicationAutoScaling::ScalingPolicy").Count);
        }
    }

    [Fact]
    public void Seed000_secrets_created_by_hand_every_secret_is_generated_by_the_stack()
    {
        foreach (var env in All)
        {
            var secrets = app.Resources(env, "AWS::SecretsManager::Secret");
            Assert.True(secrets.Count >= 2, $"{env}: {secrets.Count} secrets");
            Assert.All(secrets, s =>
            {
                Assert.NotNull(s.Resource.Props()["GenerateSecretString"]);
                Assert.Null(s.Resource.Props()["SecretString"]);
            });
            // Every secret a container reads is one of ours (a Ref/GetAtt/Join), never a name or ARN typed in.
            Assert.All(Containers(env).SelectMany(c => c["Secrets"].Items()), s => Assert.IsType<JsonObject>(s["ValueFrom"]));
        }
    }

    [Fact]
    public void Seed000_vpc_from_lookup_failed_the_vpc_is_created_and_synth_needs_no_lookup()
    {
        foreach (var env in All)
        {
            Assert.Single(app.Resources(env, "AWS::EC2::VPC"));
            var missing = app.Stage(env).Stage.Synth().Manifest.Missing;
            Assert.True(missing is null || missing.Length == 0, $"{env}: synth asked for context lookups: {string.Join(", ", missing?.Select(m => m.Key) ?? [])}");
        }
    }

    [Fact]
    public void Seed000_grace_period_too_short_the_api_has_a_grace_period_covering_start_up_and_migrations()
    {
        foreach (var env in All)
        {
            var api = app.One(env, "AWS::ECS::Service", s => s.Props()["DeploymentController"]!["Type"].Str() == "CODE_DEPLOY");
            Assert.True(api.Props()["HealthCheckGracePeriodSeconds"].Number() >= 60);
        }
    }

    [Fact]
    public void Seed000_resources_left_behind_every_non_prod_resource_goes_with_the_stack()
    {
        foreach (var env in new[] { "dev", "staging" })
        {
            var retained = app.PlatformJson[env]["Resources"]!.AsObject()
                .Where(r => r.Value!["DeletionPolicy"]?.Str() is "Retain" or "Snapshot" || r.Value!["UpdateReplacePolicy"]?.Str() is "Retain")
                .Select(r => r.Key)
                .ToList();
            Assert.Empty(retained);
            Assert.False(app.One(env, "AWS::RDS::DBInstance").Props()["DeletionProtection"]!.GetValue<bool>());
            Assert.Equal("false", app.One(env, "AWS::ElasticLoadBalancingV2::LoadBalancer").Props()["LoadBalancerAttributes"].Items().Single(a => a["Key"].Str() == "deletion_protection.enabled")["Value"].Str());
        }
    }

    // ---- seed 001 ----

    [Fact]
    public void Seed001_deprecated_managed_policies_none_are_attached()
    {
        foreach (var env in All)
        {
            var managed = app.Resources(env, "AWS::IAM::Role").SelectMany(r => r.Resource.Props()["ManagedPolicyArns"].Items()).Select(a => a.Text()).ToList();
            Assert.All(managed, arn => Assert.True(Json.IsCurrentManagedPolicy(arn), arn));
            Assert.DoesNotContain("AWSCodePipelineFullAccess", app.PlatformJson[env].ToJsonString(), StringComparison.Ordinal);
            Assert.DoesNotContain("AWSCodePipelineServiceRole", app.PlatformJson[env].ToJsonString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Seed001_resource_already_exists_every_physical_name_carries_the_environment()
    {
        var named = new (string Type, string Property)[]
        {
            ("AWS::ECR::Repository", "RepositoryName"), ("AWS::S3::Bucket", "BucketName"), ("AWS::ECS::Cluster", "ClusterName"),
            ("AWS::ECS::Service", "ServiceName"), ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Name"),
            ("AWS::ElasticLoadBalancingV2::TargetGroup", "Name"), ("AWS::RDS::DBInstance", "DBInstanceIdentifier"),
            ("AWS::SecretsManager::Secret", "Name"), ("AWS::SNS::Topic", "TopicName"), ("AWS::IAM::Role", "RoleName"),
            ("AWS::Logs::LogGroup", "LogGroupName"), ("AWS::EC2::SecurityGroup", "GroupName"), ("AWS::ECS::TaskDefinition", "Family"),
            ("AWS::CloudWatch::Alarm", "AlarmName"), ("AWS::CloudWatch::Dashboard", "DashboardName"),
        };
        foreach (var env in All)
        {
            foreach (var (type, property) in named)
            {
                Assert.All(app.Resources(env, type).Where(r => r.Resource.Props()[property] is not null), r =>
                    Assert.Contains(env, r.Resource.Props()[property].Text(), StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void Seed001_missing_encryption_buckets_topics_logs_database_and_images_are_encrypted()
    {
        foreach (var env in All)
        {
            Assert.All(app.Resources(env, "AWS::S3::Bucket"), b => Assert.NotNull(b.Resource.Props()["BucketEncryption"]));
            Assert.All(app.Resources(env, "AWS::SNS::Topic"), t => Assert.NotNull(t.Resource.Props()["KmsMasterKeyId"]));
            Assert.All(app.Resources(env, "AWS::Logs::LogGroup"), g => Assert.NotNull(g.Resource.Props()["KmsKeyId"]));
            // Aurora members carry no storage settings: the cluster encrypts its volume.
            Assert.All(app.Resources(env, "AWS::RDS::DBInstance").Where(d => d.Resource.Props()["DBClusterIdentifier"] is null), d => Assert.True(d.Resource.Props()["StorageEncrypted"]!.GetValue<bool>()));
            Assert.All(app.Resources(env, "AWS::RDS::DBCluster"), d => Assert.True(d.Resource.Props()["StorageEncrypted"]!.GetValue<bool>()));
            Assert.All(app.Resources(env, "AWS::ECR::Repository"), r => Assert.Equal("KMS", r.Resource.Props()["EncryptionConfiguration"]!["EncryptionType"].Str()));
        }
    }

    [Fact]
    public void Seed001_overly_permissive_iam_no_wildcard_actions()
    {
        foreach (var env in All)
        {
            Assert.All(app.Resources(env, "AWS::IAM::Policy").SelectMany(p => p.Resource.Props()["PolicyDocument"]!["Statement"].Items()), s =>
                Assert.DoesNotContain("\"*\"", s["Action"].Text(), StringComparison.Ordinal));
        }
    }

    // ---- seed 002 ----

    [Fact]
    public void Seed002_deployment_group_rejected_rolling_controller_the_api_is_created_with_code_deploy()
    {
        foreach (var env in All)
        {
            var api = app.One(env, "AWS::ECS::Service", s => s.Props()["ServiceName"].Str() == $"payments-{env}-api").Props();
            Assert.Equal("CODE_DEPLOY", api["DeploymentController"]!["Type"].Str());
        }
    }

    [Fact]
    public void Seed002_circuit_breaker_and_healthy_percent_on_code_deploy_none_are_set()
    {
        foreach (var env in All)
        {
            var api = app.One(env, "AWS::ECS::Service", s => s.Props()["ServiceName"].Str() == $"payments-{env}-api").Props();
            Assert.Null(api["DeploymentConfiguration"]);
        }
    }

    [Fact]
    public void Seed002_no_initial_target_group_the_blue_group_is_attached_at_creation_and_green_sits_on_the_test_listener()
    {
        foreach (var env in All)
        {
            var api = app.One(env, "AWS::ECS::Service", s => s.Props()["ServiceName"].Str() == $"payments-{env}-api").Props();
            var groups = app.Resources(env, "AWS::ElasticLoadBalancingV2::TargetGroup").ToDictionary(g => g.Resource.Props()["Name"].Str(), g => g.Id);
            Assert.Equal(groups[$"payments-{env}-blue"], api["LoadBalancers"]![0]!["TargetGroupArn"]!["Ref"].Str());
            var listeners = app.Resources(env, "AWS::ElasticLoadBalancingV2::Listener").Select(l => l.Resource.Props()).ToList();
            Assert.Contains(listeners, l => l["Port"].Number() == 8443 && l["DefaultActions"].Text().Contains(groups[$"payments-{env}-green"], StringComparison.Ordinal));
        }
    }

    // ---- seed 003 ----

    [Fact]
    public void Seed003_lifecycle_rule_without_filter_every_rule_has_a_filter_or_applies_to_incomplete_uploads_only()
    {
        foreach (var env in All)
        {
            var rules = app.Resources(env, "AWS::S3::Bucket").SelectMany(b => b.Resource.Props()["LifecycleConfiguration"]?["Rules"].Items() ?? []);
            Assert.All(rules, r => Assert.True(
                r["Prefix"] is not null || r["AbortIncompleteMultipartUpload"] is not null,
                $"{env}: lifecycle rule {r["Id"]} has neither prefix nor an upload-only scope"));
        }
    }

    [Fact]
    public void Seed003_flow_log_destination_argument_flow_logs_go_to_cloudwatch_with_a_delivery_role()
    {
        foreach (var env in All)
        {
            var flowLog = app.One(env, "AWS::EC2::FlowLog").Props();
            Assert.Equal("cloud-watch-logs", flowLog["LogDestinationType"].Str());
            Assert.NotNull(flowLog["LogGroupName"]);
            Assert.NotNull(flowLog["DeliverLogsPermissionArn"]);
            Assert.Null(flowLog["LogDestination"]);
        }
    }

    [Fact]
    public void Seed003_ecr_repository_not_found_each_environment_creates_its_own()
    {
        foreach (var env in All)
        {
            Assert.Equal($"payments-{env}/api", app.One(env, "AWS::ECR::Repository").Props()["RepositoryName"].Str());
        }
    }

    [Fact]
    public void Seed003_postgres_version_not_found_the_engine_version_is_current_in_cfn_lint_data()
    {
        var data = CfnLintRdsData("aws_rds_dbinstance");
        var current = PostgresVersions(data.Current, "postgres");
        var deprecated = PostgresVersions(data.Deprecated, "postgres");
        Assert.Contains(Database.EngineFullVersion, current);
        Assert.DoesNotContain(Database.EngineFullVersion, deprecated);
        Assert.Contains("15.4", deprecated);
        // Aurora: the same version, current for clusters too (CDK 2.160's newest constant, 16.3, is deprecated).
        var cluster = CfnLintRdsData("aws_rds_dbcluster");
        Assert.Contains(Database.EngineFullVersion, PostgresVersions(cluster.Current, "aurora-postgresql"));
        Assert.DoesNotContain(Database.EngineFullVersion, PostgresVersions(cluster.Deprecated, "aurora-postgresql"));
        Assert.Contains("16.3", PostgresVersions(cluster.Deprecated, "aurora-postgresql"));
        foreach (var env in All)
        {
            Assert.Equal(Database.EngineFullVersion, DatabaseOf(env)["EngineVersion"].Str());
        }
    }

    [Fact]
    public void Seed003_log_statement_all_only_ddl_is_logged()
    {
        foreach (var env in All)
        {
            var group = app.Resources(env, "AWS::RDS::DBClusterParameterGroup").Count == 1
                ? app.One(env, "AWS::RDS::DBClusterParameterGroup")
                : app.One(env, "AWS::RDS::DBParameterGroup");
            Assert.Equal("ddl", group.Props()["Parameters"]!["log_statement"].Str());
        }
    }

    [Fact]
    public void Seed003_gp3_iops_and_throughput_misconfigured_none_are_set()
    {
        foreach (var env in InstanceEnvironments)
        {
            var db = app.One(env, "AWS::RDS::DBInstance").Props();
            Assert.Equal("gp3", db["StorageType"].Str());
            Assert.Null(db["Iops"]);
            Assert.Null(db["StorageThroughput"]);
        }
    }

    [Fact]
    public void Seed003_effective_cache_size_over_the_limit_it_is_a_formula_of_the_class_memory()
    {
        // Aurora sizes its cache itself (no effective_cache_size in its cluster parameter group).
        foreach (var env in InstanceEnvironments)
        {
            var value = app.One(env, "AWS::RDS::DBParameterGroup").Props()["Parameters"]!["effective_cache_size"].Str();
            Assert.Equal(Database.EffectiveCacheSizeFormula, value);
            Assert.Matches(@"^\{DBInstanceClassMemory\*3/32768\}$", value);
        }
        // 75% of memory in 8 KiB pages stays below PostgreSQL's INT_MAX pages for the largest RDS class (4 TiB).
        Assert.True(4L * 1024 * 1024 * 1024 * 1024 * 3 / 32768 < int.MaxValue);
    }

    [Fact]
    public void Seed003_resources_already_exist_in_staging_global_names_include_account_and_region()
    {
        foreach (var env in All)
        {
            Assert.All(app.Resources(env, "AWS::S3::Bucket"), b =>
            {
                var name = b.Resource.Props()["BucketName"].Text();
                Assert.Contains("AWS::AccountId", name, StringComparison.Ordinal);
                Assert.Contains("AWS::Region", name, StringComparison.Ordinal);
            });
        }
    }

    // ---- seed 004 ----

    [Fact]
    public void Seed004_health_check_path_the_container_does_not_serve_readiness_path_comes_from_the_service()
    {
        foreach (var env in All)
        {
            Assert.All(app.Resources(env, "AWS::ElasticLoadBalancingV2::TargetGroup"), g =>
            {
                Assert.NotEqual("/", g.Resource.Props()["HealthCheckPath"].Str());
                Assert.NotEqual("/health", g.Resource.Props()["HealthCheckPath"].Str());
                Assert.Equal(ServiceContract.ReadinessPath, g.Resource.Props()["HealthCheckPath"].Str());
            });
        }
    }

    [Fact]
    public void Seed004_unneeded_vpc_endpoints_cost_none_by_default()
    {
        foreach (var env in All)
        {
            Assert.Empty(app.Resources(env, "AWS::EC2::VPCEndpoint"));
        }
    }

    [Fact]
    public void Seed004_kms_on_cloudwatch_logs_failed_the_key_policy_grants_the_logs_service()
    {
        foreach (var env in All)
        {
            var policy = app.One(env, "AWS::KMS::Key").Props()["KeyPolicy"].Text();
            Assert.Contains($"logs.{SynthesizedEnvironments.TestRegion}.amazonaws.com", policy, StringComparison.Ordinal);
            Assert.NotEmpty(app.Resources(env, "AWS::Logs::LogGroup"));
            Assert.All(app.Resources(env, "AWS::Logs::LogGroup"), g => Assert.NotNull(g.Resource.Props()["KmsKeyId"]));
        }
    }

    [Fact]
    public void Seed004_wrong_service_principals_each_role_trusts_the_service_that_uses_it()
    {
        var expected = new Dictionary<string, string>
        {
            ["execution"] = "ecs-tasks.amazonaws.com",
            ["task"] = "ecs-tasks.amazonaws.com",
            ["vpc-flow-logs"] = "vpc-flow-logs.amazonaws.com",
        };
        foreach (var env in All)
        {
            foreach (var (_, role) in app.Resources(env, "AWS::IAM::Role"))
            {
                var name = role.Props()["RoleName"].Str();
                var principal = role.Props()["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Service"].Str();
                var ours = expected.Where(e => name.StartsWith($"payments-{env}-", StringComparison.Ordinal) && name.EndsWith(e.Key, StringComparison.Ordinal)).ToList();
                if (ours.Count == 0)
                {
                    // CDK providers and the delivery side's hook / CodeDeploy roles.
                    Assert.Contains(principal, new[] { "lambda.amazonaws.com", "codedeploy.amazonaws.com" });
                    continue;
                }
                Assert.Equal(ours[0].Value, principal);
            }
        }
    }

    [Fact]
    public void Seed004_deletion_protection_blocks_cleanup_only_prod_is_protected()
    {
        Assert.False(app.One("dev", "AWS::RDS::DBInstance").Props()["DeletionProtection"]!.GetValue<bool>());
        Assert.False(app.One("staging", "AWS::RDS::DBInstance").Props()["DeletionProtection"]!.GetValue<bool>());
        Assert.True(DatabaseOf("prod")["DeletionProtection"]!.GetValue<bool>());
    }

    [Fact]
    public void Seed004_lambda_handler_mismatch_every_function_names_a_handler_that_exists_in_its_code()
    {
        foreach (var env in All)
        {
            Assert.All(app.Resources(env, "AWS::Lambda::Function"), f =>
            {
                var handler = f.Resource.Props()["Handler"].Str();
                Assert.Equal("index.handler", handler);
            });
        }
    }

    /// <summary>Environments on an RDS instance: the table puts prod on Aurora.</summary>
    private string[] InstanceEnvironments => [.. All.Where(env => app.Resources(env, "AWS::RDS::DBCluster").Count == 0)];

    /// <summary>The Aurora cluster, or the RDS instance, of an environment.</summary>
    private JsonNode DatabaseOf(string env) => app.Resources(env, "AWS::RDS::DBCluster").Count == 1
        ? app.One(env, "AWS::RDS::DBCluster").Props()
        : app.One(env, "AWS::RDS::DBInstance").Props();

    private static (JsonNode Current, JsonNode Deprecated) CfnLintRdsData(string resource)
    {
        var start = new ProcessStartInfo("python3", ["-c", "import cfnlint, os; print(os.path.dirname(cfnlint.__file__))"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var python = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var root = python.StandardOutput.ReadToEnd().Trim();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0 && Directory.Exists(root), $"cfn-lint's python package is needed to check the engine version (python3 exit {python.ExitCode}: {python.StandardError.ReadToEnd()})");
        var folder = Path.Combine(root, "data", "schemas", "extensions", resource);
        return (JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "engine_version.json")))!,
                JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "engine_version_deprecated.json")))!);
    }

    private static HashSet<string> PostgresVersions(JsonNode schema, string engine) =>
        [.. schema["allOf"].Items()
            .Where(rule => rule["if"]?["properties"]?["Engine"]?["const"]?.GetValue<string>() == engine)
            .SelectMany(rule => (rule["then"] is JsonObject then && then["properties"]?["EngineVersion"]?["enum"] is { } current
                ? current
                : rule["if"]!["properties"]!["EngineVersion"]!["enum"]).Items())
            .Select(v => v.ToString())];
}
