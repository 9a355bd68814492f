using System.Globalization;
using Amazon.CDK.AWS.Logs;
using Payments.Platform.Environments;

namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class EnvironmentTableTests(SynthesizedEnvironments app)
{
    private static readonly PlatformSettings Defaults = PlatformSettings.FromContext(_ => null, _ => null);

    private static EnvironmentConfig Row(string name) => EnvironmentTable.Build(Defaults).Single(env => env.Name == name);

    [Fact]
    public void The_table_has_dev_staging_and_prod_in_order() =>
        Assert.Equal(["dev", "staging", "prod"], EnvironmentTable.Build(Defaults).Select(env => env.Name));

    [Theory]
    [InlineData("dev", 1, 256, 512, 1, 2)]
    [InlineData("staging", 2, 512, 1024, 2, 4)]
    [InlineData("prod", 3, 1024, 2048, 3, 12)]
    public void Each_environment_synthesizes_the_issues_network_and_api_size(string name, int nat, int cpu, int memory, int desired, int max)
    {
        Assert.Equal(nat, app.Resources(name, "AWS::EC2::NatGateway").Count);
        var task = app.One(name, "AWS::ECS::TaskDefinition", t => t.Props()["Family"].Str() == $"payments-{name}-api").Props();
        Assert.Equal((cpu.ToString(CultureInfo.InvariantCulture), memory.ToString(CultureInfo.InvariantCulture)), (task["Cpu"].Str(), task["Memory"].Str()));
        var service = app.Resources(name, "AWS::ECS::Service").Single(s => s.Resource.Props()["ServiceName"].Str() == $"payments-{name}-api");
        Assert.Equal(desired, service.Resource.Props()["DesiredCount"].Number());
        var scaling = app.One(name, "AWS::ApplicationAutoScaling::ScalableTarget", t => t.Props()["ResourceId"].Text().Contains($"\"{service.Id}\"", StringComparison.Ordinal)).Props();
        Assert.Equal((desired, max), (scaling["MinCapacity"].Number(), scaling["MaxCapacity"].Number()));
    }

    [Theory]
    [InlineData("dev", "t3.micro", 20, 7)]
    [InlineData("staging", "t3.small", 50, 14)]
    public void Non_production_synthesizes_a_single_az_unprotected_database_of_the_issues_size(string name, string instanceClass, int storageGiB, int backupDays)
    {
        // prod (Aurora, or a multi-AZ instance): DatabaseTests.
        var database = app.One(name, "AWS::RDS::DBInstance").Props();
        Assert.Equal($"db.{instanceClass}", database["DBInstanceClass"].Str());
        Assert.Equal(storageGiB.ToString(CultureInfo.InvariantCulture), database["AllocatedStorage"].Str());
        Assert.Equal(backupDays, database["BackupRetentionPeriod"].Number());
        Assert.False(database["MultiAZ"]!.GetValue<bool>());
        Assert.False(database["DeletionProtection"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("dev", 30, 90, 365, 7)]
    [InlineData("staging", 60, 180, 730, 30)]
    [InlineData("prod", 90, 365, 2557, 365)]
    public void Each_environment_tiers_the_transaction_log_and_keeps_logs_for_the_issues_days(string name, int ia, int glacier, int expire, int logDays)
    {
        var rules = app.One(name, "AWS::S3::Bucket", b => b.Props()?["LifecycleConfiguration"]?.Text().Contains("transaction-log-tiering", StringComparison.Ordinal) == true)
            .Props()["LifecycleConfiguration"]!["Rules"].Items();
        var tiering = rules.Single(r => r["Id"].Str() == "transaction-log-tiering");
        Assert.Equal(expire, tiering["ExpirationInDays"].Number());
        Assert.Equal(
            [("STANDARD_IA", ia), ("GLACIER", glacier)],
            tiering["Transitions"].Items().Select(t => (t["StorageClass"].Str(), t["TransitionInDays"].Number())));
        Assert.All(app.Resources(name, "AWS::Logs::LogGroup"), g => Assert.Equal(logDays, g.Resource.Props()["RetentionInDays"].Number()));
    }

    [Theory]
    [InlineData("dev", 112, 6, 15)]
    [InlineData("staging", 225, 10, 18)]
    [InlineData("prod", 1802, 26, 55)]
    public void Every_task_of_a_deployment_at_its_peak_fits_the_database_connections(string name, int maxConnections, int peakTasks, int pool)
    {
        var env = Row(name);
        Assert.Equal((maxConnections, peakTasks, pool), (env.DatabaseMaxConnections, env.PeakDatabaseClients, env.ConnectionPoolPerTask()));

        // The invariant, not only the numbers: all pools full plus the reserve stay within max_connections.
        Assert.True(env.PeakDatabaseClients * env.ConnectionPoolPerTask() + env.DatabaseReservedConnections <= env.DatabaseMaxConnections);
        Assert.True(env.DatabaseReservedConnections >= Math.Max(10, env.DatabaseMaxConnections / 5));
    }

    [Fact]
    public void A_database_too_small_for_the_tasks_fails_with_the_numbers()
    {
        var crowded = Row("dev") with { ApiMaxCount = 12 }; // 26 tasks at the peak over 90 usable connections: 3 each

        var error = Assert.Throws<InvalidOperationException>(() => crowded.ConnectionPoolPerTask());
        Assert.Contains("t3.micro", error.Message, StringComparison.Ordinal);
        Assert.Contains("26 tasks", error.Message, StringComparison.Ordinal);
        Assert.Contains("larger database class", error.Message, StringComparison.Ordinal);
        Assert.Contains("t3.micro", crowded.ToString(), StringComparison.Ordinal); // printing the record does not throw
    }

    [Fact]
    public void Log_retention_maps_to_cloudwatch_values()
    {
        Assert.Equal(RetentionDays.ONE_WEEK, Row("dev").LogRetention);
        Assert.Equal(RetentionDays.ONE_MONTH, Row("staging").LogRetention);
        Assert.Equal(RetentionDays.ONE_YEAR, Row("prod").LogRetention);
    }

    [Theory]
    [InlineData("dev", DataRemoval.DestroyEverything)]
    [InlineData("staging", DataRemoval.DestroyEverything)]
    [InlineData("prod", DataRemoval.RetainDataSnapshotDatabase)]
    public void Removal_rows_match_the_issue(string name, DataRemoval removal) => Assert.Equal(removal, Row(name).Removal);

    [Fact]
    public void Only_prod_is_production() =>
        Assert.Equal(["prod"], EnvironmentTable.Build(Defaults).Where(env => env.IsProduction).Select(env => env.Name));

    [Fact]
    public void Defaults_give_an_explicit_region_and_three_zones_without_any_lookup()
    {
        foreach (var env in EnvironmentTable.Build(Defaults))
        {
            Assert.Equal(EnvironmentTable.DefaultRegion, env.Region);
            Assert.Equal(["eu-west-1a", "eu-west-1b", "eu-west-1c"], env.AvailabilityZones);
            Assert.Null(env.Account);
        }
    }

    [Fact]
    public void Context_wins_over_cdk_environment_variables()
    {
        var settings = PlatformSettings.FromContext(
            key => key switch { "account" => "222222222222", "region" => "us-west-2", _ => null },
            name => name switch { "CDK_DEFAULT_ACCOUNT" => "333333333333", "CDK_DEFAULT_REGION" => "eu-central-1", _ => null });
        Assert.Equal(("222222222222", "us-west-2"), (settings.Account, settings.Region));
        Assert.All(EnvironmentTable.Build(settings), env => Assert.Equal(["us-west-2a", "us-west-2b", "us-west-2c"], env.AvailabilityZones));
    }

    [Fact]
    public void Cdk_environment_variables_are_used_without_context()
    {
        var settings = PlatformSettings.FromContext(_ => null, name => name switch { "CDK_DEFAULT_ACCOUNT" => "333333333333", "CDK_DEFAULT_REGION" => "eu-central-1", _ => null });
        Assert.Equal(("333333333333", "eu-central-1"), (settings.Account, settings.Region));
    }

    [Fact]
    public void Availability_zones_are_configurable()
    {
        var settings = PlatformSettings.FromContext(key => key switch { "region" => "eu-west-1", "availabilityZones" => "eu-west-1b, eu-west-1c,eu-west-1a", _ => null }, _ => null);
        Assert.All(EnvironmentTable.Build(settings), env => Assert.Equal(["eu-west-1b", "eu-west-1c", "eu-west-1a"], env.AvailabilityZones));
    }

    [Theory]
    [InlineData("eu-west-1a,eu-west-1b")]
    [InlineData("eu-west-1a,eu-west-1b,eu-west-1c,eu-west-1d")]
    public void Anything_but_three_zones_is_rejected_with_the_bad_value(string zones)
    {
        var settings = PlatformSettings.FromContext(key => key == "availabilityZones" ? zones : null, _ => null);
        var error = Assert.Throws<ArgumentException>(() => EnvironmentTable.Build(settings));
        Assert.Contains(zones, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zones_outside_the_region_are_rejected()
    {
        var settings = PlatformSettings.FromContext(key => key switch { "region" => "eu-west-1", "availabilityZones" => "us-east-1a,us-east-1b,us-east-1c", _ => null }, _ => null);
        Assert.Contains("us-east-1a", Assert.Throws<ArgumentException>(() => EnvironmentTable.Build(settings)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("12345678901x")]
    public void A_malformed_account_is_rejected(string account) =>
        Assert.Contains(account, Assert.Throws<ArgumentException>(() => PlatformSettings.FromContext(key => key == "account" ? account : null, _ => null)).Message, StringComparison.Ordinal);

    [Fact]
    public void A_subset_of_environments_can_be_synthesized()
    {
        var settings = PlatformSettings.FromContext(key => key == "environments" ? "dev,prod" : null, _ => null);
        Assert.Equal(["dev", "prod"], EnvironmentTable.Build(settings).Select(env => env.Name));
    }

    [Fact]
    public void An_unknown_environment_is_rejected() =>
        Assert.Contains("qa", Assert.Throws<ArgumentException>(() =>
            EnvironmentTable.Build(PlatformSettings.FromContext(key => key == "environments" ? "dev,qa" : null, _ => null))).Message, StringComparison.Ordinal);

    [Fact]
    public void Vpc_endpoints_flag_must_be_a_boolean() =>
        Assert.Contains("maybe", Assert.Throws<ArgumentException>(() =>
            PlatformSettings.FromContext(key => key == "vpcInterfaceEndpoints" ? "maybe" : null, _ => null)).Message, StringComparison.Ordinal);

    [Fact]
    public void Certificates_are_per_environment()
    {
        var settings = PlatformSettings.FromContext(key => key == "certificateArn:prod" ? "arn:aws:acm:eu-west-1:111111111111:certificate/abc" : null, _ => null);
        var table = EnvironmentTable.Build(settings);
        Assert.Null(table.Single(env => env.Name == "dev").CertificateArn);
        Assert.Equal("arn:aws:acm:eu-west-1:111111111111:certificate/abc", table.Single(env => env.Name == "prod").CertificateArn);
    }

    [Fact]
    public void The_image_asset_hash_is_fixed_unless_configured()
    {
        Assert.Equal(PlatformSettings.DefaultImageAssetHash, Defaults.ImageAssetHash);
        Assert.Equal("v2", PlatformSettings.FromContext(_ => null, name => name == "PAYMENTS_IMAGE_ASSET_HASH" ? "v2" : null).ImageAssetHash);
        Assert.Equal("v3", PlatformSettings.FromContext(key => key == "imageAssetHash" ? "v3" : null, name => name == "PAYMENTS_IMAGE_ASSET_HASH" ? "v2" : null).ImageAssetHash);
    }

    [Fact]
    public void Every_physical_name_prefix_carries_the_environment() =>
        Assert.All(EnvironmentTable.Build(Defaults), env => Assert.Equal($"payments-{env.Name}", env.Prefix));

    [Fact]
    public void Constructs_and_stacks_never_compare_with_an_environment_name()
    {
        // Environment differences live in the table: no construct or stack may branch on "dev"/"staging"/"prod".
        // The C# is parsed, so names in comments and inside longer strings are not mistaken for a branch.
        var sources = new[] { "Constructs", "Stacks" }
            .SelectMany(folder => Directory.GetFiles(Repository.PathOf("src", "Payments.Platform", folder), "*.cs", SearchOption.AllDirectories))
            .ToList();
        Assert.NotEmpty(sources);
        var names = EnvironmentTable.Build(Defaults).Select(env => env.Name).ToHashSet();
        var literals = sources.SelectMany(file => Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot()
                .DescendantNodes()
                .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax>()
                .Where(literal => literal.Token.Value is string text && names.Contains(text))
                .Select(literal => $"{Path.GetFileName(file)}:{literal.GetLocation().GetLineSpan().StartLinePosition.Line + 1} {literal}"))
            .ToList();
        Assert.Empty(literals);
    }
}
