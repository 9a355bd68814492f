using Amazon.CDK;
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

/// <summary>Which RDS engine runs the environment's PostgreSQL.</summary>
public enum DatabaseEngine
{
    /// <summary>RDS for PostgreSQL: one DB instance (Multi-AZ standby where <see cref="EnvironmentConfig.DatabaseMultiAz"/>).</summary>
    PostgresInstance,

    /// <summary>Aurora PostgreSQL: a cluster with a writer and, where <see cref="EnvironmentConfig.DatabaseMultiAz"/>, a reader in another AZ that a failover promotes.</summary>
    AuroraPostgresCluster,
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

    /// <summary>Weight of FARGATE_SPOT next to on-demand FARGATE (base 1) for api tasks; 0 keeps the api on-demand only.</summary>
    public required int ApiSpotWeight { get; init; }

    /// <summary>Target of the requests-per-target scaling policy, per task per minute.</summary>
    public int ApiRequestsPerTargetPerMinute { get; init; } = 1000;

    /// <summary>The relay tolerates interruption (it resumes from its cursor), so it may run on spot.</summary>
    public required bool WorkerOnSpot { get; init; }

    public int WorkerCpu { get; init; } = 256;
    public int WorkerMemoryMiB { get; init; } = 512;

    /// <summary>The relay is a single exporter per environment; more replicas only contend for the same rows.</summary>
    public int WorkerDesiredCount { get; init; } = 1;

    /// <summary>RDS PostgreSQL instance or Aurora PostgreSQL cluster.</summary>
    public required DatabaseEngine DatabaseEngine { get; init; }

    /// <summary>RDS instance class without the <c>db.</c> prefix, e.g. <c>t3.micro</c> (Aurora: the class of the writer and the reader).</summary>
    public required string DatabaseInstanceClass { get; init; }
    /// <summary>Initial gp3 storage of an instance (it may grow to twice this); Aurora storage grows by itself and ignores it.</summary>
    public required int DatabaseAllocatedStorageGiB { get; init; }

    /// <summary>Memory of <see cref="DatabaseInstanceClass"/>; sizes the connection alarm and the tasks' pools (RDS derives max_connections from it).</summary>
    public required int DatabaseMemoryGiB { get; init; }

    /// <summary>RDS for PostgreSQL sets max_connections to LEAST(DBInstanceClassMemory / 9531392, 5000).</summary>
    public const double DatabaseBytesPerConnection = 9_531_392;

    /// <summary>max_connections of <see cref="DatabaseInstanceClass"/> from its nominal memory (the real one is a little lower: RDS subtracts its own share from DBInstanceClassMemory).</summary>
    public int DatabaseMaxConnections => (int)Math.Min(5000, Math.Floor(DatabaseMemoryGiB * 1024d * 1024 * 1024 / DatabaseBytesPerConnection));

    /// <summary>
    /// Connections no task may take: RDS's reserved superuser slots, operators, a migration by hand,
    /// and the gap between nominal and real instance memory. A fifth, at least 10.
    /// </summary>
    public int DatabaseReservedConnections => Math.Max(10, DatabaseMaxConnections / 5);

    /// <summary>
    /// Processes that can hold connections at the same time: during a blue/green deployment the
    /// replacement task set runs beside the original, each up to <see cref="ApiMaxCount"/>, and the
    /// worker's rolling deployment runs old and new tasks together (maximum 200%).
    /// </summary>
    public int PeakDatabaseClients => (2 * ApiMaxCount) + (2 * WorkerDesiredCount);

    /// <summary>Fewest pooled connections a task may be given before synth refuses the environment.</summary>
    public const int MinimumConnectionPool = 4;

    /// <summary>
    /// Npgsql <c>Maximum Pool Size</c> of every task (Npgsql's default is 100): the connections left
    /// after <see cref="DatabaseReservedConnections"/>, shared by <see cref="PeakDatabaseClients"/>,
    /// so a deployment at full scale under a burst cannot exhaust max_connections. A method, not a
    /// property: it refuses an environment whose tasks would get too few, and a record prints its
    /// properties.
    /// </summary>
    /// <exception cref="InvalidOperationException">Fewer than <see cref="MinimumConnectionPool"/> per task.</exception>
    public int ConnectionPoolPerTask()
    {
        var pool = Math.Min(100, (DatabaseMaxConnections - DatabaseReservedConnections) / PeakDatabaseClients);
        return pool >= MinimumConnectionPool
            ? pool
            : throw new InvalidOperationException(
                $"{Name}: {DatabaseInstanceClass} allows about {DatabaseMaxConnections} connections, {DatabaseReservedConnections} kept free; " +
                $"{PeakDatabaseClients} tasks at a deployment's peak (2 x ApiMaxCount {ApiMaxCount} + 2 x WorkerDesiredCount {WorkerDesiredCount}) " +
                $"would get {pool} each, fewer than {MinimumConnectionPool}: choose a larger database class or fewer tasks");
    }

    public required int DatabaseBackupRetentionDays { get; init; }
    /// <summary>Instance: a Multi-AZ standby. Aurora: one reader in another AZ, the failover target.</summary>
    public required bool DatabaseMultiAz { get; init; }

    /// <summary>Days between rotations of each database secret (the owner's and the app user's); Secrets Manager allows 1 to 1000.</summary>
    public int DatabaseCredentialRotationDays { get; init; } = 30;
    public required bool DatabaseDeletionProtection { get; init; }

    public required DataRemoval Removal { get; init; }

    /// <summary>Days a deleted key waits before it is gone (7 is the AWS minimum; prod keeps the longest undo window).</summary>
    public required int KeyDeletionWindowDays { get; init; }

    /// <summary>ALB deletion protection: on where data is retained, off where one <c>cdk destroy</c> must remove everything.</summary>
    public required bool LoadBalancerDeletionProtection { get; init; }

    /// <summary>Whether serving plain HTTP (no <see cref="CertificateArn"/>) is a misconfiguration that synth warns about.</summary>
    public required bool RequiresCertificate { get; init; }

    public required int TransactionLogInfrequentAccessAfterDays { get; init; }
    public required int TransactionLogGlacierAfterDays { get; init; }
    public required int TransactionLogExpireAfterDays { get; init; }

    /// <summary>Retention of every log group and of the ALB access logs, in days.</summary>
    public required int LogRetentionDays { get; init; }

    public RetentionDays LogRetention => LogRetentionDays switch
    {
        7 => RetentionDays.ONE_WEEK,
        14 => RetentionDays.TWO_WEEKS,
        30 => RetentionDays.ONE_MONTH,
        90 => RetentionDays.THREE_MONTHS,
        180 => RetentionDays.SIX_MONTHS,
        365 => RetentionDays.ONE_YEAR,
        731 => RetentionDays.TWO_YEARS,
        _ => throw new InvalidOperationException($"log retention of {LogRetentionDays} days is not a CloudWatch Logs retention value"),
    };

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

    /// <summary>Removal policy of the stateful resources that <see cref="Removal"/> either destroys or retains.</summary>
    public RemovalPolicy DataRemovalPolicy => DestroyOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}
