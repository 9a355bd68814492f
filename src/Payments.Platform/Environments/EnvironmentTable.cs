namespace Payments.Platform.Environments;

/// <summary>The three environments, exactly the table of the platform issue, plus settings from context.</summary>
public static class EnvironmentTable
{
    public const string DefaultRegion = "eu-west-1";

    public static IReadOnlyList<string> Names { get; } = ["dev", "staging", "prod"];

    /// <summary>The table with deployment-target settings filled in from <paramref name="settings"/>.</summary>
    public static IReadOnlyList<EnvironmentConfig> Build(PlatformSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var region = settings.Region ?? DefaultRegion;
        var zones = settings.AvailabilityZones is { Count: > 0 } configured
            ? configured
            : DefaultAvailabilityZones(region);
        if (zones.Count != 3)
        {
            throw new ArgumentException($"availabilityZones must list exactly 3 zones, got {zones.Count}: '{string.Join(",", zones)}'");
        }
        foreach (var zone in zones)
        {
            if (!zone.StartsWith(region, StringComparison.Ordinal))
            {
                throw new ArgumentException($"availability zone '{zone}' is not in region '{region}'");
            }
        }

        EnvironmentConfig[] all =
        [
            new()
            {
                Name = "dev",
                IsProduction = false,
                Account = settings.Account,
                Region = region,
                AvailabilityZones = zones,
                NatGateways = 1,
                ApiCpu = 256, ApiMemoryMiB = 512, ApiDesiredCount = 1, ApiMaxCount = 2, ApiSpotWeight = 1, WorkerOnSpot = true,
                DatabaseEngine = settings.DatabaseEngine("dev") ?? DatabaseEngine.PostgresInstance, DatabaseInstanceClass = "t3.micro", DatabaseAllocatedStorageGiB = 20, DatabaseMemoryGiB = 1,
                DatabaseBackupRetentionDays = 7, DatabaseMultiAz = false, DatabaseDeletionProtection = false,
                Removal = DataRemoval.DestroyEverything,
                KeyDeletionWindowDays = 7, LoadBalancerDeletionProtection = false, RequiresCertificate = false,
                TransactionLogInfrequentAccessAfterDays = 30, TransactionLogGlacierAfterDays = 90, TransactionLogExpireAfterDays = 365,
                LogRetentionDays = 7,
                VpcInterfaceEndpoints = settings.VpcInterfaceEndpoints,
                CertificateArn = settings.CertificateArn("dev"),
                ImageTag = settings.ImageTag,
            },
            new()
            {
                Name = "staging",
                IsProduction = false,
                Account = settings.Account,
                Region = region,
                AvailabilityZones = zones,
                NatGateways = 2,
                ApiCpu = 512, ApiMemoryMiB = 1024, ApiDesiredCount = 2, ApiMaxCount = 4, ApiSpotWeight = 1, WorkerOnSpot = true,
                DatabaseEngine = settings.DatabaseEngine("staging") ?? DatabaseEngine.PostgresInstance, DatabaseInstanceClass = "t3.small", DatabaseAllocatedStorageGiB = 50, DatabaseMemoryGiB = 2,
                DatabaseBackupRetentionDays = 14, DatabaseMultiAz = false, DatabaseDeletionProtection = false,
                Removal = DataRemoval.DestroyEverything,
                KeyDeletionWindowDays = 7, LoadBalancerDeletionProtection = false, RequiresCertificate = false,
                TransactionLogInfrequentAccessAfterDays = 60, TransactionLogGlacierAfterDays = 180, TransactionLogExpireAfterDays = 730,
                LogRetentionDays = 30,
                VpcInterfaceEndpoints = settings.VpcInterfaceEndpoints,
                CertificateArn = settings.CertificateArn("staging"),
                ImageTag = settings.ImageTag,
            },
            new()
            {
                Name = "prod",
                IsProduction = true,
                Account = settings.Account,
                Region = region,
                AvailabilityZones = zones,
                NatGateways = 3,
                ApiCpu = 1024, ApiMemoryMiB = 2048, ApiDesiredCount = 3, ApiMaxCount = 12, ApiSpotWeight = 0, WorkerOnSpot = false,
                DatabaseEngine = settings.DatabaseEngine("prod") ?? DatabaseEngine.AuroraPostgresCluster, DatabaseInstanceClass = "r6g.large", DatabaseAllocatedStorageGiB = 100, DatabaseMemoryGiB = 16,
                DatabaseBackupRetentionDays = 30, DatabaseMultiAz = true, DatabaseDeletionProtection = true,
                Removal = DataRemoval.RetainDataSnapshotDatabase,
                KeyDeletionWindowDays = 30, LoadBalancerDeletionProtection = true, RequiresCertificate = true,
                TransactionLogInfrequentAccessAfterDays = 90, TransactionLogGlacierAfterDays = 365, TransactionLogExpireAfterDays = 2557,
                LogRetentionDays = 365,
                VpcInterfaceEndpoints = settings.VpcInterfaceEndpoints,
                CertificateArn = settings.CertificateArn("prod"),
                ImageTag = settings.ImageTag,
            },
        ];

        if (settings.Environments is { Count: > 0 } selected)
        {
            var unknown = selected.Where(name => !Names.Contains(name)).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException($"unknown environment(s) '{string.Join(",", unknown)}'; expected some of {string.Join(",", Names)}");
            }
            return all.Where(env => selected.Contains(env.Name)).ToList();
        }
        return all;
    }

    public static IReadOnlyList<string> DefaultAvailabilityZones(string region) =>
        [$"{region}a", $"{region}b", $"{region}c"];
}
