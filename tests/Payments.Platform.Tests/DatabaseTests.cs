using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Payments.Platform.Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Tests;

/// <summary>Prod synthesized on the other engine of the table (an RDS instance), once per test run.</summary>
public sealed class ProdOnInstanceFixture
{
    public ProdOnInstanceFixture()
    {
        var (stages, _) = SynthesizedEnvironments.Synthesize(new Dictionary<string, object>
        {
            ["environments"] = "prod",
            ["databaseEngine:prod"] = "instance",
        });
        Stage = stages.Single();
        Template = Template.FromStack(Stage.Platform);
        Json = TemplateJson.Of(Template);
    }

    public EnvironmentStage Stage { get; }
    public Template Template { get; }
    public JsonObject Json { get; }
}

/// <summary>
/// The database (seed 004): Aurora PostgreSQL in prod by default, an RDS instance in dev and staging
/// and wherever the table says so; the writer endpoint for the service and the outputs; two secrets
/// that rotate from subnets that reach Secrets Manager and the database.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class DatabaseTests(SynthesizedEnvironments app, ProdOnInstanceFixture prodOnInstance) : IClassFixture<ProdOnInstanceFixture>
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Fact]
    public void Prod_defaults_to_an_aurora_cluster_with_a_writer_and_a_reader_in_another_zone()
    {
        var prod = app.Platform["prod"];
        prod.ResourceCountIs("AWS::RDS::DBCluster", 1);
        prod.HasResource("AWS::RDS::DBCluster", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = "Snapshot",
            ["Properties"] = new Dictionary<string, object>
            {
                ["Engine"] = "aurora-postgresql",
                ["EngineVersion"] = Database.EngineFullVersion,
                ["DBClusterIdentifier"] = "payments-prod-db",
                ["DeletionProtection"] = true,
                ["BackupRetentionPeriod"] = 30,
                ["StorageEncrypted"] = true,
                ["KmsKeyId"] = Match.ObjectLike(new Dictionary<string, object> { ["Fn::GetAtt"] = new object[] { app.KeyId("prod"), "Arn" } }),
                ["DatabaseName"] = "payments",
                ["MasterUsername"] = Database.MasterUsername,
                ["MasterUserPassword"] = Match.AnyValue(),
                ["EnableCloudwatchLogsExports"] = new[] { "postgresql" },
                ["DBClusterParameterGroupName"] = Match.AnyValue(),
                ["EnableIAMDatabaseAuthentication"] = true,
            },
        });
        prod.HasResourceProperties("AWS::RDS::DBClusterParameterGroup", new Dictionary<string, object>
        {
            ["Family"] = "aurora-postgresql17",
            ["Parameters"] = new Dictionary<string, object> { ["log_statement"] = "ddl", ["rds.force_ssl"] = "1" },
        });

        var members = app.Resources("prod", "AWS::RDS::DBInstance").Select(r => r.Resource.Props()).ToList();
        Assert.Equal(2, members.Count);
        var zones = app.Stage("prod").Config.AvailabilityZones;
        Assert.Equal([zones[0], zones[1]], members.Select(m => m["AvailabilityZone"].Str()).Order());
        Assert.All(members, m =>
        {
            Assert.Equal("db.r6g.large", m["DBInstanceClass"].Str());
            Assert.Equal("aurora-postgresql", m["Engine"].Str());
            Assert.False(m["PubliclyAccessible"]!.GetValue<bool>());
            Assert.Equal(0, m["PromotionTier"].Number());
        });
    }

    [Fact]
    public void Prod_on_an_instance_is_multi_az_protected_and_keeps_30_days_of_backups()
    {
        prodOnInstance.Template.ResourceCountIs("AWS::RDS::DBCluster", 0);
        prodOnInstance.Template.HasResource("AWS::RDS::DBInstance", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = "Snapshot",
            ["Properties"] = new Dictionary<string, object>
            {
                ["Engine"] = "postgres",
                ["EngineVersion"] = Database.EngineFullVersion,
                ["DBInstanceClass"] = "db.r6g.large",
                ["MultiAZ"] = true,
                ["DeletionProtection"] = true,
                ["BackupRetentionPeriod"] = 30,
                ["StorageEncrypted"] = true,
            },
        });
    }

    [Fact]
    public void Both_engines_of_prod_pass_the_synth_gate()
    {
        foreach (var stage in new[] { app.Stage("prod"), prodOnInstance.Stage })
        {
            using var log = new StringWriter();
            Assert.True(SynthGate.Check(stage.Stage.Synth().Directory, log) == 0, log.ToString());
        }
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    public void Dev_and_staging_stay_on_an_instance(string env)
    {
        app.Platform[env].ResourceCountIs("AWS::RDS::DBCluster", 0);
        app.Platform[env].ResourceCountIs("AWS::RDS::DBInstance", 1);
    }

    [Fact]
    public void Aurora_refuses_an_instance_class_it_does_not_offer()
    {
        var error = Assert.ThrowsAny<Exception>(() => SynthesizedEnvironments.Synthesize(new Dictionary<string, object>
        {
            ["environments"] = "dev",
            ["databaseEngine:dev"] = "aurora",
        }));
        Assert.Contains("aurora postgresql has no 't3.micro' instances", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_output_and_the_service_get_the_writer_endpoint_on_either_engine()
    {
        var cluster = app.Resources("prod", "AWS::RDS::DBCluster").Single().Id;
        var instance = TemplateJson.Resources(prodOnInstance.Json, "AWS::RDS::DBInstance").Single().LogicalId;
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{cluster}\",\"Endpoint.Address\"]}}", app.PlatformJson["prod"]["Outputs"]!["DatabaseEndpoint"]!["Value"].Text());
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{cluster}\",\"ReadEndpoint.Address\"]}}", app.PlatformJson["prod"]["Outputs"]!["DatabaseReaderEndpoint"]!["Value"].Text());
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{instance}\",\"Endpoint.Address\"]}}", prodOnInstance.Json["Outputs"]!["DatabaseEndpoint"]!["Value"].Text());
        Assert.Null(prodOnInstance.Json["Outputs"]!["DatabaseReaderEndpoint"]);

        Assert.Equal($"{{\"Fn::GetAtt\":[\"{cluster}\",\"Endpoint.Address\"]}}", Environment(app.PlatformJson["prod"], "payments-prod-api", "api")["Payments__Database__Host"]);
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{instance}\",\"Endpoint.Address\"]}}", Environment(prodOnInstance.Json, "payments-prod-api", "api")["Payments__Database__Host"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Both_secrets_rotate_with_the_hosted_single_user_function_encrypted_with_the_environment_key(string env)
    {
        var schedules = app.Resources(env, "AWS::SecretsManager::RotationSchedule").Select(r => r.Resource.Props()).ToList();
        Assert.Equal(2, schedules.Count);
        var rotationGroup = app.Resources(env, "AWS::EC2::SecurityGroup").Single(g => g.Resource.Props()["GroupName"].Str() == $"payments-{env}-database-rotation").Id;
        var attachments = app.Resources(env, "AWS::SecretsManager::SecretTargetAttachment").Select(a => a.Id).Order().ToList();
        Assert.Equal(attachments, schedules.Select(s => s["SecretId"]!["Ref"].Str()).Order());
        Assert.Equal([$"payments-{env}-db-app-rotation", $"payments-{env}-db-owner-rotation"], schedules.Select(s => s["HostedRotationLambda"]!["RotationLambdaName"].Str()).Order());
        Assert.All(schedules, s =>
        {
            var hosted = s["HostedRotationLambda"]!;
            Assert.Equal("PostgreSQLSingleUser", hosted["RotationType"].Str());
            Assert.Equal(app.KeyArnReference(env), hosted["KmsKeyArn"].Text());
            Assert.Equal($"{{\"Fn::GetAtt\":[\"{rotationGroup}\",\"GroupId\"]}}", hosted["VpcSecurityGroupIds"].Text());
            Assert.Equal("rate(30 days)", s["RotationRules"]!["ScheduleExpression"].Str());
            // The app's login exists only after the first task migrated; no rotation during the deploy.
            Assert.False(s["RotateImmediatelyOnUpdate"]!.GetValue<bool>());
        });
        Assert.Contains("AWS::SecretsManager-2020-07-23", app.PlatformJson[env]["Transform"].Text(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_rotation_functions_run_in_subnets_whose_default_route_is_a_nat_gateway(string env)
    {
        var template = app.PlatformJson[env];
        var routeTableOfSubnet = app.Resources(env, "AWS::EC2::SubnetRouteTableAssociation")
            .ToDictionary(a => a.Resource.Props()["SubnetId"]!["Ref"].Str(), a => a.Resource.Props()["RouteTableId"]!["Ref"].Str());
        var natRouteTables = app.Resources(env, "AWS::EC2::Route")
            .Where(r => r.Resource.Props()["DestinationCidrBlock"].Str() == "0.0.0.0/0" && r.Resource.Props()["NatGatewayId"] is not null)
            .Select(r => r.Resource.Props()["RouteTableId"]!["Ref"].Str())
            .ToHashSet();
        foreach (var schedule in app.Resources(env, "AWS::SecretsManager::RotationSchedule"))
        {
            var subnets = schedule.Resource.Props()["HostedRotationLambda"]!["VpcSubnetIds"]!["Fn::Join"]![1]!.AsArray().OfType<JsonObject>().Select(p => p["Ref"].Str()).ToList();
            Assert.Equal(3, subnets.Count);
            Assert.All(subnets, subnet =>
            {
                Assert.True(template["Resources"]![subnet]!["Properties"]!["Tags"].Items().Any(t => t["Key"].Str() == "aws-cdk:subnet-name" && t["Value"].Str() == Network.PrivateTier), $"{subnet} is not a private subnet");
                Assert.Contains(routeTableOfSubnet[subnet], natRouteTables);
            });
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_rotation_functions_reach_the_database_on_5432_and_aws_apis_on_443_only(string env)
    {
        var groups = app.Resources(env, "AWS::EC2::SecurityGroup").ToDictionary(g => g.Resource.Props()["GroupName"].Str(), g => g.Id);
        var rotation = groups[$"payments-{env}-database-rotation"];
        var database = groups[$"payments-{env}-database"];
        var egress = app.Resources(env, "AWS::EC2::SecurityGroup").Single(g => g.Id == rotation).Resource.Props()["SecurityGroupEgress"].Items().ToList();
        var standaloneEgress = app.Resources(env, "AWS::EC2::SecurityGroupEgress").Select(e => e.Resource.Props()).Where(e => e["GroupId"].Text().Contains(rotation, StringComparison.Ordinal)).ToList();
        Assert.Equal(["0.0.0.0/0:443"], egress.Select(e => $"{e["CidrIp"].Str()}:{e["FromPort"].Number()}"));
        var toDatabase = Assert.Single(standaloneEgress);
        Assert.Equal(5432, toDatabase["FromPort"].Number());
        Assert.Contains(database, toDatabase["DestinationSecurityGroupId"].Text(), StringComparison.Ordinal);
        Assert.Contains(app.Resources(env, "AWS::EC2::SecurityGroupIngress").Select(i => i.Resource.Props()), i =>
            i["GroupId"].Text().Contains(database, StringComparison.Ordinal) && i["SourceSecurityGroupId"].Text().Contains(rotation, StringComparison.Ordinal) && i["FromPort"].Number() == 5432);
    }

    [Theory]
    [InlineData("payments-dev-api", "api")]
    [InlineData("payments-dev-worker", "worker")]
    public void Tasks_log_in_as_the_app_user_with_a_password_read_at_run_time_and_migrate_as_the_owner_first(string family, string container)
    {
        var template = app.PlatformJson["dev"];
        var definitions = TaskDefinition(template, family)["ContainerDefinitions"].Items().ToList();
        var appContainer = definitions.Single(c => c["Name"].Str() == container);
        var migrate = definitions.Single(c => c["Name"].Str() == Services.MigrationContainerName);
        var environment = Environment(template, family, container);

        Assert.Equal($"\"{Database.AppUsername}\"", environment["Payments__Database__Username"]);
        Assert.Equal("\"payments-dev/database/app\"", environment["Payments__Database__PasswordSecretId"]);
        Assert.Equal("\"false\"", environment["Payments__Database__MigrateOnStart"]);
        Assert.DoesNotContain(appContainer["Secrets"].Items(), s => s["Name"].Str().StartsWith("Payments__Database__", StringComparison.Ordinal));

        Assert.False(migrate["Essential"]!.GetValue<bool>());
        Assert.Equal([Payments.Api.Hosting.ServiceContract.MigrateCommand], migrate["Command"].Items().Select(c => c.Str()));
        Assert.Equal(["Payments__Database__Owner__Password", "Payments__Database__Owner__Username"], migrate["Secrets"].Items().Select(s => s["Name"].Str()).Order());
        var owner = app.Resources("dev", "AWS::SecretsManager::SecretTargetAttachment").Single(a => a.Resource.Props()["SecretId"].Text().Contains("Secret", StringComparison.Ordinal) && !a.Id.Contains("AppSecret", StringComparison.Ordinal)).Id;
        Assert.All(migrate["Secrets"].Items(), s => Assert.Contains(owner, s["ValueFrom"].Text(), StringComparison.Ordinal));
        var dependency = Assert.Single(appContainer["DependsOn"].Items());
        Assert.Equal(Services.MigrationContainerName, dependency["ContainerName"].Str());
        Assert.Equal("SUCCESS", dependency["Condition"].Str());
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void The_task_role_may_read_exactly_the_app_password_through_parameter_store(string service)
    {
        var role = app.Resources("dev", "AWS::IAM::Role").Single(r => r.Resource.Props()["RoleName"].Str() == $"payments-dev-{service}-task").Id;
        var statements = app.Resources("dev", "AWS::IAM::Policy")
            .Where(p => p.Resource.Props()["Roles"].Items().Any(r => r["Ref"]?.Str() == role))
            .SelectMany(p => p.Resource.Props()["PolicyDocument"]!["Statement"].Items())
            .Where(s => s["Sid"]?.Str().Contains("DatabasePassword", StringComparison.Ordinal) == true)
            .ToDictionary(s => s["Sid"].Str());
        Assert.Equal(["DecryptDatabasePassword", "ReadDatabasePassword", "ReadDatabasePasswordReference"], statements.Keys.Order());

        Assert.Equal("ssm:GetParameter", statements["ReadDatabasePasswordReference"]["Action"].Str());
        Assert.Contains(":parameter/aws/reference/secretsmanager/payments-dev/database/app\"", statements["ReadDatabasePasswordReference"]["Resource"].Text(), StringComparison.Ordinal);
        Assert.Equal("secretsmanager:GetSecretValue", statements["ReadDatabasePassword"]["Action"].Str());
        var appAttachment = app.Resources("dev", "AWS::SecretsManager::SecretTargetAttachment").Single(a => a.Id.Contains("AppSecret", StringComparison.Ordinal)).Id;
        Assert.Equal($"{{\"Ref\":\"{appAttachment}\"}}", statements["ReadDatabasePassword"]["Resource"].Text());
        Assert.Equal("kms:Decrypt", statements["DecryptDatabasePassword"]["Action"].Str());
        Assert.Equal(app.KeyArnReference("dev"), statements["DecryptDatabasePassword"]["Resource"].Text());
        Assert.Equal($"secretsmanager.{SynthesizedEnvironments.TestRegion}.amazonaws.com", statements["DecryptDatabasePassword"]["Condition"]!["StringEquals"]!["kms:ViaService"].Str());
    }

    private static JsonObject TaskDefinition(JsonObject template, string family) =>
        TemplateJson.Resources(template, "AWS::ECS::TaskDefinition").Single(t => t.Resource.Props()["Family"].Str() == family).Resource.Props().AsObject();

    /// <summary>A container's environment, each value as compact JSON.</summary>
    private static Dictionary<string, string> Environment(JsonObject template, string family, string container) =>
        TaskDefinition(template, family)["ContainerDefinitions"].Items()
            .Single(c => c["Name"].Str() == container)["Environment"].Items()
            .ToDictionary(e => e["Name"].Str(), e => e["Value"].Text());

    [Fact]
    public async Task The_engine_version_is_current_in_cfn_lints_data_for_instances_and_aurora()
    {
        // Seed 003: "Cannot find version 15.4 for postgres". CDK 2.160's newest Aurora constant (16.3) is deprecated there.
        var instance = await CfnLintRdsData("aws_rds_dbinstance");
        Assert.Contains(Database.EngineFullVersion, PostgresVersions(instance.Current, "postgres"));
        Assert.DoesNotContain(Database.EngineFullVersion, PostgresVersions(instance.Deprecated, "postgres"));
        Assert.Contains("15.4", PostgresVersions(instance.Deprecated, "postgres"));
        var cluster = await CfnLintRdsData("aws_rds_dbcluster");
        Assert.Contains(Database.EngineFullVersion, PostgresVersions(cluster.Current, "aurora-postgresql"));
        Assert.DoesNotContain(Database.EngineFullVersion, PostgresVersions(cluster.Deprecated, "aurora-postgresql"));
        Assert.Contains("16.3", PostgresVersions(cluster.Deprecated, "aurora-postgresql"));
        foreach (var env in SynthesizedEnvironments.EnvironmentNames)
        {
            var database = app.Resources(env, "AWS::RDS::DBCluster").Count == 1 ? app.One(env, "AWS::RDS::DBCluster") : app.One(env, "AWS::RDS::DBInstance");
            Assert.Equal(Database.EngineFullVersion, database.Props()["EngineVersion"].Str());
        }
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    public void The_cache_size_is_three_quarters_of_the_class_memory_and_fits_postgres_on_the_largest_class(string env)
    {
        // Seed 003: a fixed effective_cache_size over PostgreSQL's limit failed the parameter group.
        var value = app.One(env, "AWS::RDS::DBParameterGroup").Props()["Parameters"]!["effective_cache_size"].Str();
        var formula = System.Text.RegularExpressions.Regex.Match(value, @"^\{DBInstanceClassMemory\*(?<multiply>\d+)/(?<divide>\d+)\}$");
        Assert.True(formula.Success, value);
        long Pages(long memoryBytes) => memoryBytes * long.Parse(formula.Groups["multiply"].Value, System.Globalization.CultureInfo.InvariantCulture)
            / long.Parse(formula.Groups["divide"].Value, System.Globalization.CultureInfo.InvariantCulture);
        // The setting counts 8 KiB pages: 75% of a 4 GiB class, and the largest RDS class (4 TiB) stays below INT_MAX pages.
        Assert.Equal(4L * 1024 * 1024 * 1024 * 3 / 4 / 8192, Pages(4L * 1024 * 1024 * 1024));
        Assert.True(Pages(4L * 1024 * 1024 * 1024 * 1024) < int.MaxValue);
    }

    private static async Task<(JsonNode Current, JsonNode Deprecated)> CfnLintRdsData(string resource)
    {
        var python = await CommandRunner.RunAsync("python3", ["-c", "import cfnlint, os; print(os.path.dirname(cfnlint.__file__))"], TimeSpan.FromMinutes(1));
        var root = python.StandardOutput.Trim();
        Assert.True(python.ExitCode == 0 && Directory.Exists(root), $"cfn-lint's python package is needed to check the engine version (python3 exit {python.ExitCode}: {python.StandardError})");
        var folder = Path.Combine(root, "data", "schemas", "extensions", resource);
        return (JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "engine_version.json")))!,
                JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "engine_version_deprecated.json")))!);
    }

    private static HashSet<string> PostgresVersions(JsonNode schema, string engine) =>
        [.. schema["allOf"].Items()
            .Where(rule => rule["if"]?["properties"]?["Engine"]?["const"]?.GetValue<string>() == engine)
            .SelectMany(rule => (rule["then"] is JsonObject then && then["properties"]?["EngineVersion"]?["enum"] is { } current
                ? current
                : rule["if"]!["properties"]!["EngineVersion"]!["enum"]).Items())
            .Select(v => v.ToString())];
}
