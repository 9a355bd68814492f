using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Constructs;

public sealed record DatabaseProps
{
    /// <summary>Environment name, for descriptions (<c>dev</c>).</summary>
    public required string EnvironmentName { get; init; }

    /// <summary>Prefix of every physical name (<c>payments-dev</c>).</summary>
    public required string Prefix { get; init; }

    public required DatabaseEngine Engine { get; init; }
    public required IVpc Vpc { get; init; }

    /// <summary>Encrypts storage, both secrets and the exported logs.</summary>
    public required IKey Key { get; init; }

    /// <summary>Instance class without <c>db.</c>; Aurora PostgreSQL needs at least a medium class.</summary>
    public required string InstanceClass { get; init; }

    /// <summary>Initial gp3 storage of an instance (grows to twice this); ignored by Aurora, whose storage grows by itself.</summary>
    public required int AllocatedStorageGiB { get; init; }

    /// <summary>Instance: Multi-AZ standby. Aurora: a reader in the second AZ, first in line for failover.</summary>
    public required bool HighlyAvailable { get; init; }

    /// <summary>The VPC's AZs in order: an Aurora writer goes to the first, its reader to the second.</summary>
    public required IReadOnlyList<string> AvailabilityZones { get; init; }

    public required int BackupRetentionDays { get; init; }
    public required bool DeletionProtection { get; init; }

    /// <summary>True: the database, its backups and parameter groups go with the stack. False: a final snapshot stays and the rest is retained.</summary>
    public required bool DestroyOnDelete { get; init; }

    public required RetentionDays LogRetention { get; init; }

    /// <summary>Days between rotations of the owner's and the app user's secrets.</summary>
    public required int CredentialRotationDays { get; init; }

    /// <summary>Where the rotation functions run: subnets with a route to Secrets Manager (NAT or an interface endpoint) and to the database.</summary>
    public required SubnetSelection RotationSubnets { get; init; }
}

/// <summary>
/// PostgreSQL in the isolated data subnets, encrypted with the environment key: an RDS instance or an
/// Aurora PostgreSQL cluster (seed 004), chosen by the environment table. Two generated secrets: the
/// owner (master user, runs migrations) and the app's own DML-only login. Both rotate with Secrets
/// Manager's hosted single-user rotation function, which runs in <see cref="DatabaseProps.RotationSubnets"/>.
/// </summary>
public sealed class Database : Construct
{
    /// <summary>
    /// Listed as current (not deprecated) in the RDS data of the installed cfn-lint for both
    /// <c>postgres</c> and <c>aurora-postgresql</c>; seed 003's <c>15.4</c> no longer existed when it deployed.
    /// CDK 2.160's <c>AuroraPostgresEngineVersion.VER_*</c> constants stop at 16.3, which cfn-lint lists
    /// as deprecated, so the Aurora version is given with <c>Of</c>. One version for both engines keeps
    /// a snapshot of the instance restorable into the cluster (docs/architecture.md).
    /// </summary>
    public const string EngineFullVersion = "17.7";
    public const string EngineMajorVersion = "17";
    public const string DatabaseName = "payments";
    public const string MasterUsername = "payments_admin";

    /// <summary>The app's login: a member of the <c>payments_app</c> role that migrations grant DML to.</summary>
    public const string AppUsername = "payments_app_user";
    public const int Port = 5432;

    /// <summary>Characters that need quoting in a connection string or URL never appear in a password.</summary>
    public const string ExcludedPasswordCharacters = " %+~`#$&*()|[]{}:;<>?!'/@\"\\,=^";

    /// <summary>
    /// 75% of the instance memory in 8 KiB pages, evaluated by RDS per class: seed 003's fixed value
    /// overflowed on one class, and a formula cannot. Aurora sizes its own cache and keeps its default.
    /// </summary>
    public const string EffectiveCacheSizeFormula = "{DBInstanceClassMemory*3/32768}";

    public static readonly string[] InstanceLogExports = ["postgresql", "upgrade"];
    public static readonly string[] ClusterLogExports = ["postgresql"];

    public DatabaseEngine Engine { get; }

    /// <summary>The RDS instance, or null on Aurora.</summary>
    public DatabaseInstance? Instance { get; }

    /// <summary>The Aurora cluster, or null on an instance.</summary>
    public DatabaseCluster? Cluster { get; }

    /// <summary>Host name of the writer: the instance endpoint, or the cluster endpoint that follows a failover.</summary>
    public string WriterEndpoint { get; }

    /// <summary>Port of <see cref="WriterEndpoint"/> as CloudFormation reports it.</summary>
    public string EndpointPort { get; }

    /// <summary>The cluster's reader endpoint, or null on an instance.</summary>
    public string? ReaderEndpoint { get; }

    /// <summary>The owner (master user): migrations only.</summary>
    public ISecret Secret { get; }

    /// <summary>The app's login (<see cref="AppUsername"/>), attached to the database so rotation knows where to connect.</summary>
    public ISecret AppSecret { get; }

    /// <summary>Physical name of <see cref="AppSecret"/>: what Parameter Store's Secrets Manager reference path names.</summary>
    public string AppSecretName { get; }

    public SecurityGroup SecurityGroup { get; }

    /// <summary>The hosted rotation functions' group: PostgreSQL to the database, HTTPS to Secrets Manager.</summary>
    public SecurityGroup RotationSecurityGroup { get; }

    /// <summary>gp3 storage of an instance; null on Aurora (no allocated storage to run out of).</summary>
    public int? AllocatedStorageGiB { get; }

    public Database(Construct scope, string id, DatabaseProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        Engine = props.Engine;
        var removal = props.DestroyOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
        if (props.Engine == DatabaseEngine.AuroraPostgresCluster && (props.InstanceClass.EndsWith(".micro", StringComparison.Ordinal) || props.InstanceClass.EndsWith(".small", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"aurora postgresql has no '{props.InstanceClass}' instances: use a medium class or larger (e.g. t4g.medium, r6g.large)");
        }
        if (props.HighlyAvailable && props.AvailabilityZones.Count < 2)
        {
            throw new ArgumentException($"a highly available database needs two availability zones, got '{string.Join(",", props.AvailabilityZones)}'");
        }

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            SecurityGroupName = $"{props.Prefix}-database",
            Description = $"Payments {props.EnvironmentName} database: PostgreSQL from the api and worker tasks and the rotation functions only",
            AllowAllOutbound = false,
        });

        var subnets = new SubnetGroup(this, "Subnets", new SubnetGroupProps
        {
            Vpc = props.Vpc,
            SubnetGroupName = $"{props.Prefix}-database",
            Description = $"Payments {props.EnvironmentName} isolated data subnets",
            VpcSubnets = new SubnetSelection { SubnetGroupName = Network.DataTier },
            // Not data: goes with the stack even in prod (the database leaves its snapshot first).
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        var identifier = $"{props.Prefix}-db";
        var ownerCredentials = Credentials.FromGeneratedSecret(MasterUsername, new CredentialsBaseOptions
        {
            SecretName = $"{props.Prefix}/database/admin",
            EncryptionKey = props.Key,
            ExcludeCharacters = ExcludedPasswordCharacters,
        });
        if (props.Engine == DatabaseEngine.AuroraPostgresCluster)
        {
            Cluster = AuroraCluster(props, identifier, subnets, ownerCredentials, removal);
            WriterEndpoint = Cluster.ClusterEndpoint.Hostname;
            ReaderEndpoint = Cluster.ClusterReadEndpoint.Hostname;
            EndpointPort = ((CfnDBCluster)Cluster.Node.DefaultChild!).AttrEndpointPort;
            Secret = Cluster.Secret ?? throw new InvalidOperationException("generated credentials produce a secret");
        }
        else
        {
            Instance = PostgresInstance(props, identifier, subnets, ownerCredentials, removal);
            WriterEndpoint = Instance.DbInstanceEndpointAddress;
            EndpointPort = Instance.DbInstanceEndpointPort;
            AllocatedStorageGiB = props.AllocatedStorageGiB;
            Secret = Instance.Secret ?? throw new InvalidOperationException("generated credentials produce a secret");
        }

        AppSecretName = $"{props.Prefix}/database/app";
        var appSecret = new DatabaseSecret(this, "AppSecret", new DatabaseSecretProps
        {
            Username = AppUsername,
            SecretName = AppSecretName,
            EncryptionKey = props.Key,
            ExcludeCharacters = ExcludedPasswordCharacters,
        });
        appSecret.ApplyRemovalPolicy(removal);
        // The attachment adds host, port and engine: the rotation function connects with what the secret says.
        AppSecret = Cluster is not null ? appSecret.Attach(Cluster) : appSecret.Attach(Instance!);

        RotationSecurityGroup = new SecurityGroup(this, "RotationSecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            SecurityGroupName = $"{props.Prefix}-database-rotation",
            Description = $"Payments {props.EnvironmentName} secret rotation functions: PostgreSQL to the database, HTTPS to Secrets Manager",
            AllowAllOutbound = false,
        });
        RotationSecurityGroup.AddEgressRule(Peer.AnyIpv4(), Amazon.CDK.AWS.EC2.Port.Tcp(443), "Secrets Manager API over TLS (NAT or interface endpoint)");
        RotationSecurityGroup.AddEgressRule(SecurityGroup, Amazon.CDK.AWS.EC2.Port.Tcp(Port), "PostgreSQL");
        SecurityGroup.AddIngressRule(RotationSecurityGroup, Amazon.CDK.AWS.EC2.Port.Tcp(Port), "PostgreSQL from the rotation functions");

        Rotate(Secret, "owner", props);
        Rotate(AppSecret, "app", props);
    }

    /// <summary>Average CPU of the instance, or of the cluster's instances.</summary>
    public Metric MetricCpuUtilization(IMetricOptions options) =>
        Cluster?.MetricCPUUtilization(options) ?? Instance!.MetricCPUUtilization(options);

    public Metric MetricDatabaseConnections(IMetricOptions? options = null) =>
        Cluster?.MetricDatabaseConnections(options) ?? Instance!.MetricDatabaseConnections(options);

    /// <summary>Free gp3 storage of an instance; null on Aurora.</summary>
    public Metric? MetricFreeStorageSpace(IMetricOptions? options = null) => Instance?.MetricFreeStorageSpace(options);

    /// <summary>
    /// Secrets Manager's hosted PostgreSQL single-user rotation: the function logs in with the
    /// current password and changes it. Not immediately on deployment: the app user exists only once
    /// the first task's migration has created it.
    /// </summary>
    private void Rotate(ISecret secret, string who, DatabaseProps props)
    {
        secret.AddRotationSchedule("Rotation", new RotationScheduleOptions
        {
            AutomaticallyAfter = Duration.Days(props.CredentialRotationDays),
            RotateImmediatelyOnUpdate = false,
            HostedRotation = HostedRotation.PostgreSqlSingleUser(new SingleUserHostedRotationOptions
            {
                FunctionName = $"{props.Prefix}-db-{who}-rotation",
                Vpc = props.Vpc,
                VpcSubnets = props.RotationSubnets,
                SecurityGroups = [RotationSecurityGroup],
                ExcludeCharacters = ExcludedPasswordCharacters,
            }),
        });
    }

    private DatabaseInstance PostgresInstance(DatabaseProps props, string identifier, SubnetGroup subnets, Credentials credentials, RemovalPolicy removal)
    {
        var engine = DatabaseInstanceEngine.Postgres(new PostgresInstanceEngineProps
        {
            Version = PostgresEngineVersion.Of(EngineFullVersion, EngineMajorVersion),
        });
        var parameters = new ParameterGroup(this, "Parameters", new ParameterGroupProps
        {
            Engine = engine,
            Description = $"Payments {props.EnvironmentName} PostgreSQL {EngineMajorVersion}",
            Parameters = new Dictionary<string, string>
            {
                // Seed 003 logged every statement ("all"): DDL is what an audit needs.
                ["log_statement"] = "ddl",
                ["rds.force_ssl"] = "1",
                ["effective_cache_size"] = EffectiveCacheSizeFormula,
            },
            RemovalPolicy = removal,
        });
        var logGroups = LogGroups(props, $"/aws/rds/instance/{identifier}", InstanceLogExports, removal);

        var instance = new DatabaseInstance(this, "Resource", new DatabaseInstanceProps
        {
            Engine = engine,
            InstanceIdentifier = identifier,
            InstanceType = new Amazon.CDK.AWS.EC2.InstanceType(props.InstanceClass),
            Vpc = props.Vpc,
            SubnetGroup = subnets,
            SecurityGroups = [SecurityGroup],
            Port = Port,
            DatabaseName = DatabaseName,
            Credentials = credentials,
            // gp3 at its baseline: seed 003 set IOPS/throughput explicitly on small volumes and failed.
            StorageType = StorageType.GP3,
            AllocatedStorage = props.AllocatedStorageGiB,
            MaxAllocatedStorage = props.AllocatedStorageGiB * 2,
            StorageEncrypted = true,
            StorageEncryptionKey = props.Key,
            MultiAz = props.HighlyAvailable,
            BackupRetention = Duration.Days(props.BackupRetentionDays),
            DeletionProtection = props.DeletionProtection,
            DeleteAutomatedBackups = props.DestroyOnDelete,
            RemovalPolicy = props.DestroyOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT,
            ParameterGroup = parameters,
            CloudwatchLogsExports = [.. InstanceLogExports],
            AutoMinorVersionUpgrade = true,
            AllowMajorVersionUpgrade = false,
            PubliclyAccessible = false,
            CopyTagsToSnapshot = true,
            CaCertificate = CaCertificate.RDS_CA_RSA2048_G1,
        });
        foreach (var logGroup in logGroups)
        {
            instance.Node.AddDependency(logGroup);
        }
        return instance;
    }

    private DatabaseCluster AuroraCluster(DatabaseProps props, string identifier, SubnetGroup subnets, Credentials credentials, RemovalPolicy removal)
    {
        var engine = DatabaseClusterEngine.AuroraPostgres(new AuroraPostgresClusterEngineProps
        {
            Version = AuroraPostgresEngineVersion.Of(EngineFullVersion, EngineMajorVersion),
        });
        var parameters = new ParameterGroup(this, "Parameters", new ParameterGroupProps
        {
            Engine = engine,
            Description = $"Payments {props.EnvironmentName} Aurora PostgreSQL {EngineMajorVersion}",
            Parameters = new Dictionary<string, string>
            {
                ["log_statement"] = "ddl",
                ["rds.force_ssl"] = "1",
            },
            RemovalPolicy = removal,
        });
        var logGroups = LogGroups(props, $"/aws/rds/cluster/{identifier}", ClusterLogExports, removal);

        ProvisionedClusterInstanceProps Member(string name, double promotionTier) => new()
        {
            InstanceType = new Amazon.CDK.AWS.EC2.InstanceType(props.InstanceClass),
            InstanceIdentifier = $"{identifier}-{name}",
            PromotionTier = promotionTier,
            PubliclyAccessible = false,
            AutoMinorVersionUpgrade = true,
            AllowMajorVersionUpgrade = false,
            CaCertificate = CaCertificate.RDS_CA_RSA2048_G1,
        };

        var cluster = new DatabaseCluster(this, "Cluster", new DatabaseClusterProps
        {
            Engine = engine,
            ClusterIdentifier = identifier,
            // Identifiers name the first AZs, not roles: after a failover the reader is the writer.
            Writer = ClusterInstance.Provisioned("Writer", Member("1", 0)),
            Readers = props.HighlyAvailable ? [ClusterInstance.Provisioned("Reader", Member("2", 0))] : [],
            Vpc = props.Vpc,
            SubnetGroup = subnets,
            SecurityGroups = [SecurityGroup],
            Port = Port,
            DefaultDatabaseName = DatabaseName,
            Credentials = credentials,
            StorageEncrypted = true,
            StorageEncryptionKey = props.Key,
            Backup = new BackupProps { Retention = Duration.Days(props.BackupRetentionDays) },
            DeletionProtection = props.DeletionProtection,
            RemovalPolicy = props.DestroyOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT,
            ParameterGroup = parameters,
            CloudwatchLogsExports = [.. ClusterLogExports],
            CopyTagsToSnapshot = true,
            // Lets a login use short-lived IAM tokens instead of a stored password. Only users granted
            // rds_iam can; none is, so the secrets' passwords stay the one way in until the app switches.
            IamAuthentication = true,
        });
        // CDK 2.160's cluster instances take no AZ: place them explicitly so the reader (the failover
        // target) never shares the writer's zone.
        var members = new List<(string Id, string Zone)> { ("Writer", props.AvailabilityZones[0]) };
        if (props.HighlyAvailable)
        {
            members.Add(("Reader", props.AvailabilityZones[1]));
        }
        foreach (var (memberId, zone) in members)
        {
            var member = (CfnDBInstance)cluster.Node.FindChild(memberId).Node.DefaultChild!;
            member.AvailabilityZone = zone;
        }
        foreach (var logGroup in logGroups)
        {
            cluster.Node.AddDependency(logGroup);
        }
        return cluster;
    }

    private List<LogGroup> LogGroups(DatabaseProps props, string prefix, string[] exports, RemovalPolicy removal) =>
        exports.Select(export => new LogGroup(this, $"Logs-{export}", new LogGroupProps
        {
            // RDS exports to this exact name; creating it first gives it our key and retention.
            LogGroupName = $"{prefix}/{export}",
            EncryptionKey = props.Key,
            Retention = props.LogRetention,
            RemovalPolicy = removal,
        })).ToList();
}
