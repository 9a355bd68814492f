using Amazon.CDK.AWS.Logs;

namespace Payments.Platform.Environments;

/// <summary>What happens to stateful resources (database, buckets, keys, repositories) on stack deletion.</summary>
public enum DataRemoval
{
    /// <summary>Everything goes with one <c>cdk destroy</c>: objects and images emptied, no snapshot.</summary>
    DestroyEverything,

    /// <summary>Buckets, keys, repository and logs are retained; the database leaves a final snapshot.</summary>
    RetainDataSnapshotDatabase,
}

/// <summary>
/// One row of the environment table. Every difference between dev, staging and prod lives here so
/// stacks never branch on the environment name.
/// </summary>
public sealed record EnvironmentConfig
{
    /// <summary>Short lowercase name (<c>dev</c>, <c>staging</c>, <c>prod</c>); every physical name carries it.</summary>
    public required string Name { get; init; }

    public required bool IsProduction { get; init; }

    /// <summary>Target account; <c>null</c> keeps the stacks account-agnostic (synth needs no credentials).</summary>
    public string? Account { get; init; }

    public required string Region { get; init; }

    /// <summary>
    /// Explicit AZ list: an environment-agnostic stack only ever gets two AZs from <c>Vpc</c>, and a
    /// lookup needs credentials, so the AZs are configuration.
    /// </summary>
    public required IReadOnlyList<string> AvailabilityZones { get; init; }

    public required int NatGateways { get; init; }

    public required int ApiCpu { get; init; }
    public required int ApiMemoryMiB { get; init; }
    public required int ApiDesiredCount { get; init; }
    public required int ApiMaxCount { get; init; }

    public int WorkerCpu { get; init; } = 256;
    public int WorkerMemoryMiB { get; init; } = 512;

    /// <summary>The relay is a single exporter per environment; more replicas only contend for the same rows.</summary>
    public int WorkerDesiredCount { get; init; } = 1;

    /// <summary>RDS instance class without the <c>db.</c> prefix, e.g. <c>t3.micro</c>.</summary>
    public required string DatabaseInstanceClass { get; init; }
    public required int DatabaseAllocatedStorageGiB { get; init; }
    public required int DatabaseBackupRetentionDays { get; init; }
    public required bool DatabaseMultiAz { get; init; }
    public required bool DatabaseDeletionProtection { get; init; }

    public required DataRemoval Removal { get; init; }

    public required int TransactionLogInfrequentAccessAfterDays { get; init; }
    public required int TransactionLogGlacierAfterDays { get; init; }
    public required int TransactionLogExpireAfterDays { get; init; }

    public required RetentionDays LogRetention { get; init; }

    /// <summary>VPC interface endpoints cost per AZ-hour; NAT covers the traffic unless this is turned on.</summary>
    public bool VpcInterfaceEndpoints { get; init; }

    /// <summary>ACM certificate for the HTTPS listener; without one the ALB serves plain HTTP (dev).</summary>
    public string? CertificateArn { get; init; }

    /// <summary>
    /// Image tag in the environment's ECR repository to run. <c>null</c> builds
    /// <c>src/Payments.Api/Dockerfile</c> as an asset instead.
    /// </summary>
    public string? ImageTag { get; init; }

    /// <summary>Port of the CodeDeploy test listener (open only to the VPC).</summary>
    public int TestListenerPort { get; init; } = 8443;

    /// <summary>Prefix for every physical name, e.g. <c>payments-dev</c>.</summary>
    public string Prefix => $"payments-{Name}";

    public bool DestroyOnDelete => Removal == DataRemoval.DestroyEverything;
}
