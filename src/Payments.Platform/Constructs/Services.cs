using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.ServiceDiscovery;
using Amazon.CDK.AWS.ApplicationAutoScaling;
using Constructs;
using Payments.Api.Hosting;
using Payments.Platform.Environments;
using Secret = Amazon.CDK.AWS.SecretsManager.Secret;
using EcsSecret = Amazon.CDK.AWS.ECS.Secret;

namespace Payments.Platform.Constructs;

public sealed record ServicesProps
{
    public required EnvironmentConfig Environment { get; init; }
    public required PlatformSettings Settings { get; init; }
    public required Vpc Vpc { get; init; }
    public required IKey Key { get; init; }
    public required Edge Edge { get; init; }
    public required Database Database { get; init; }
    public required ImageRepository Images { get; init; }
    public required TransactionLogBucket TransactionLog { get; init; }
}

/// <summary>
/// The ECS cluster and the two services run from one image: <c>api</c> behind the load balancer,
/// created with the CODE_DEPLOY controller (it cannot be switched later), and <c>worker</c>, the
/// transaction-log relay. Seeds 000 and 001 switched blue/green, autoscaling and the real image off
/// to get a deploy through; here all three are on from the first deploy.
/// </summary>
public sealed class Services : Construct
{
    public const string ApiContainerName = "api";
    public const string WorkerContainerName = "worker";
    public const string DockerfilePath = "src/Payments.Api/Dockerfile";

    /// <summary>ECS sends SIGKILL this long after SIGTERM; the app needs its whole shutdown timeout plus slack.</summary>
    public static readonly int StopTimeoutSeconds = ServiceContract.ShutdownTimeoutSeconds + 10;

    public static readonly Duration HealthCheckGracePeriod = Duration.Seconds(90);

    public Cluster Cluster { get; }
    public FargateService Api { get; }
    public FargateService Worker { get; }
    /// <summary>The api service's fixed name; the deployment group and the pipeline's release links name it.</summary>
    public static string ApiServiceNameFor(EnvironmentConfig env) => $"{env.Prefix}-api";

    public static string WorkerServiceNameFor(EnvironmentConfig env) => $"{env.Prefix}-worker";

    public FargateTaskDefinition ApiTaskDefinition { get; }
    public FargateTaskDefinition WorkerTaskDefinition { get; }
    public SecurityGroup ApiSecurityGroup { get; }
    public SecurityGroup WorkerSecurityGroup { get; }
    public Role ApiExecutionRole { get; }
    public Role ApiTaskRole { get; }
    public Role WorkerExecutionRole { get; }
    public Role WorkerTaskRole { get; }
    public LogGroup ApiLogGroup { get; }
    public LogGroup WorkerLogGroup { get; }
    public Secret CardFingerprintKey { get; }
    public ScalableTaskCount ApiScaling { get; }
    public ContainerDefinition ApiContainer { get; }
    public ContainerImage Image { get; }

    public Services(Construct scope, string id, ServicesProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var env = props.Environment;
        var removal = env.DataRemovalPolicy;
        var stack = Stack.Of(this);

        var execLogGroup = LogGroupFor("ExecLogs", $"/payments/{env.Name}/ecs-exec", props, removal);
        Cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            ClusterName = env.Prefix,
            Vpc = props.Vpc,
            ContainerInsights = true,
            EnableFargateCapacityProviders = true,
            ExecuteCommandConfiguration = new ExecuteCommandConfiguration
            {
                KmsKey = props.Key,
                Logging = ExecuteCommandLogging.OVERRIDE,
                LogConfiguration = new ExecuteCommandLogConfiguration
                {
                    CloudWatchLogGroup = execLogGroup,
                    CloudWatchEncryptionEnabled = true,
                },
            },
        });
        Cluster.AddDefaultCloudMapNamespace(new CloudMapNamespaceOptions
        {
            Name = $"{env.Name}.payments.internal",
            Type = NamespaceType.DNS_PRIVATE,
            Vpc = props.Vpc,
        });

        Image = ImageFor(props);

        CardFingerprintKey = new Secret(this, "CardFingerprintKey", new SecretProps
        {
            SecretName = $"{env.Prefix}/card-fingerprint-key",
            Description = "HMAC key for card fingerprints; one per environment so every task agrees",
            EncryptionKey = props.Key,
            GenerateSecretString = new SecretStringGenerator { PasswordLength = 64, ExcludePunctuation = true },
            RemovalPolicy = removal,
        });

        ApiSecurityGroup = TaskSecurityGroup("ApiSecurityGroup", $"{env.Prefix}-api", "api tasks: the service port from the load balancer only", props);
        WorkerSecurityGroup = TaskSecurityGroup("WorkerSecurityGroup", $"{env.Prefix}-worker", "worker tasks: nothing in", props);
        ApiSecurityGroup.AddIngressRule(props.Edge.SecurityGroup, Port.Tcp(ServiceContract.HttpPort), "service port from the load balancer");
        props.Edge.SecurityGroup.AddEgressRule(ApiSecurityGroup, Port.Tcp(ServiceContract.HttpPort), "to api tasks");
        foreach (var tasks in new[] { ApiSecurityGroup, WorkerSecurityGroup })
        {
            props.Database.SecurityGroup.AddIngressRule(tasks, Port.Tcp(Database.Port), $"PostgreSQL from {tasks.Node.Id}");
            tasks.AddEgressRule(props.Database.SecurityGroup, Port.Tcp(Database.Port), "PostgreSQL");
        }

        var common = new Dictionary<string, string>(DatabaseSettings(props.Database))
        {
            ["Payments__Store"] = "Postgres",
            ["Payments__Environment"] = env.Name,
            ["Payments__Database__MaxPoolSize"] = env.ConnectionPoolPerTask().ToString(CultureInfo.InvariantCulture),
            ["AWS_REGION"] = stack.Region,
        };

        // api
        ApiExecutionRole = ExecutionRole("ApiExecutionRole", $"{env.Prefix}-api-execution", env);
        ApiTaskRole = TaskRole("ApiTaskRole", $"{env.Prefix}-api-task", env);
        ApiLogGroup = LogGroupFor("ApiLogs", $"/payments/{env.Name}/api", props, removal);
        ApiTaskDefinition = TaskDefinitionFor("ApiTaskDefinition", $"{env.Prefix}-api", env.ApiCpu, env.ApiMemoryMiB, ApiExecutionRole, ApiTaskRole);
        var apiSecrets = new Dictionary<string, EcsSecret>
        {
            ["Payments__CardFingerprintKey"] = EcsSecret.FromSecretsManager(CardFingerprintKey),
        };
        // The ALB terminates TLS, overwrites X-Forwarded-Proto, appends the peer it saw to X-Forwarded-For and is the
        // api tasks' only way in: the dashboard may take the client's scheme (it refuses to sign in over plain HTTP)
        // and address (its failed sign-in limits) from them (docs/dashboard.md).
        var apiEnvironment = new Dictionary<string, string>(common)
        {
            ["Payments__Dashboard__TrustForwardedProto"] = "true",
            ["Payments__Dashboard__TrustForwardedFor"] = "true",
        };
        ApiContainer = AddContainer(ApiTaskDefinition, ApiContainerName, ServiceContract.ApiRole, ApiLogGroup, apiEnvironment, apiSecrets, withPort: true);
        AddMigration(ApiTaskDefinition, ApiContainer, ApiLogGroup, common, props.Database);
        GrantDatabaseLogin(ApiTaskRole, props.Database, props.Key);

        Api = new FargateService(this, "Api", new FargateServiceProps
        {
            ServiceName = ApiServiceNameFor(env),
            Cluster = Cluster,
            TaskDefinition = ApiTaskDefinition,
            DesiredCount = env.ApiDesiredCount,
            DeploymentController = new DeploymentController { Type = DeploymentControllerType.CODE_DEPLOY },
            SecurityGroups = [ApiSecurityGroup],
            VpcSubnets = new SubnetSelection { SubnetGroupName = Network.PrivateTier },
            AssignPublicIp = false,
            EnableExecuteCommand = true,
            HealthCheckGracePeriod = HealthCheckGracePeriod,
            CapacityProviderStrategies = ApiCapacity(env),
            PropagateTags = PropagatedTagSource.SERVICE,
            EnableECSManagedTags = true,
        });
        var cfnApi = (Amazon.CDK.AWS.ECS.CfnService)Api.Node.DefaultChild!;
        // CDK emits rolling-update percentages even for CODE_DEPLOY; CodeDeploy owns the traffic shift,
        // and seed 002 shows how mixing the two (plus a circuit breaker) ends.
        cfnApi.AddPropertyDeletionOverride("DeploymentConfiguration");
        // The blue target group is attached at creation, at the CloudFormation level: the L2
        // attachToApplicationTargetGroup is not meant for CODE_DEPLOY services (seed 002).
        cfnApi.AddPropertyOverride("LoadBalancers", new object[]
        {
            new Dictionary<string, object>
            {
                ["ContainerName"] = ApiContainerName,
                ["ContainerPort"] = ServiceContract.HttpPort,
                ["TargetGroupArn"] = props.Edge.BlueTargetGroup.TargetGroupArn,
            },
        });
        // The service names the task-definition FAMILY, not a revision: ECS takes the latest ACTIVE
        // revision at creation, and CloudFormation never sees the property change afterwards, so an
        // infrastructure change to the container only registers a new revision (picked up by the next
        // CodeDeploy release) instead of failing with "Unable to update task definition on services
        // with a CODE_DEPLOY deployment controller".
        cfnApi.TaskDefinition = ApiTaskDefinition.Family;
        cfnApi.AddDependency((CfnResource)ApiTaskDefinition.Node.DefaultChild!);
        // A target group must belong to a load balancer before a service can register into it.
        // Only the service resource depends on them: a construct-level dependency would also reach the
        // scaling policies below, which already reference the listeners (cfn-lint W3005).
        cfnApi.AddDependency((CfnResource)props.Edge.ProdListener.Node.DefaultChild!);
        cfnApi.AddDependency((CfnResource)props.Edge.TestListener.Node.DefaultChild!);

        ApiScaling = Api.AutoScaleTaskCount(new EnableScalingProps { MinCapacity = env.ApiDesiredCount, MaxCapacity = env.ApiMaxCount });
        ApiScaling.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps
        {
            PolicyName = $"{env.Prefix}-api-cpu",
            TargetUtilizationPercent = 60,
            ScaleInCooldown = Duration.Seconds(180),
            ScaleOutCooldown = Duration.Seconds(60),
        });
        // One request policy per target group: after a blue/green swap the live group alternates, and
        // Application Auto Scaling scales out when any policy asks but in only when all agree, so the
        // idle group never holds capacity down.
        foreach (var (name, group) in new[] { ("Blue", props.Edge.BlueTargetGroup), ("Green", props.Edge.GreenTargetGroup) })
        {
            ApiScaling.ScaleOnRequestCount($"Requests{name}", new RequestCountScalingProps
            {
                PolicyName = $"{env.Prefix}-api-requests-{name.ToLowerInvariant()}",
                TargetGroup = group,
                RequestsPerTarget = env.ApiRequestsPerTargetPerMinute,
                ScaleInCooldown = Duration.Seconds(180),
                ScaleOutCooldown = Duration.Seconds(60),
            });
        }

        // worker
        WorkerExecutionRole = ExecutionRole("WorkerExecutionRole", $"{env.Prefix}-worker-execution", env);
        WorkerTaskRole = TaskRole("WorkerTaskRole", $"{env.Prefix}-worker-task", env);
        WorkerLogGroup = LogGroupFor("WorkerLogs", $"/payments/{env.Name}/worker", props, removal);
        WorkerTaskDefinition = TaskDefinitionFor("WorkerTaskDefinition", $"{env.Prefix}-worker", env.WorkerCpu, env.WorkerMemoryMiB, WorkerExecutionRole, WorkerTaskRole);
        var workerEnvironment = new Dictionary<string, string>(common)
        {
            ["Payments__TransactionLog__Sink"] = "S3",
            ["Payments__TransactionLog__Bucket"] = props.TransactionLog.Bucket.BucketName,
            ["Payments__TransactionLog__Prefix"] = TransactionLogBucket.ObjectPrefix,
        };
        var workerContainer = AddContainer(WorkerTaskDefinition, WorkerContainerName, ServiceContract.WorkerRole, WorkerLogGroup, workerEnvironment, [], withPort: false);
        AddMigration(WorkerTaskDefinition, workerContainer, WorkerLogGroup, common, props.Database);
        GrantDatabaseLogin(WorkerTaskRole, props.Database, props.Key);
        // Exactly what the relay's PutObject of an SSE-KMS object needs: Bucket.GrantPut would add
        // legal-hold, retention and tagging writes and the key's ReEncrypt*/GenerateDataKey* wildcards.
        WorkerTaskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "WriteTransactionLog",
            Actions = ["s3:PutObject", "s3:AbortMultipartUpload"],
            Resources = [props.TransactionLog.Bucket.ArnForObjects($"{TransactionLogBucket.ObjectPrefix}*")],
        }));
        WorkerTaskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "EncryptTransactionLog",
            Actions = ["kms:GenerateDataKey", "kms:Decrypt"],
            Resources = [props.Key.KeyArn],
        }));
        // Releases point both task definitions at <repository>:<commit> whatever image this synth used (the
        // bootstrap asset or -c imageTag), so both execution roles may always pull from the environment's
        // repository. No key grant: ECR decrypts layers through its own grant on the repository's key.
        props.Images.Repository.GrantPull(ApiExecutionRole);
        props.Images.Repository.GrantPull(WorkerExecutionRole);

        Worker = new FargateService(this, "Worker", new FargateServiceProps
        {
            ServiceName = WorkerServiceNameFor(env),
            Cluster = Cluster,
            TaskDefinition = WorkerTaskDefinition,
            DesiredCount = env.WorkerDesiredCount,
            // The relay exports under a PostgreSQL advisory lock, so old and new tasks may overlap:
            // rolling without a gap keeps exporting during a deploy.
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
            CircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            SecurityGroups = [WorkerSecurityGroup],
            VpcSubnets = new SubnetSelection { SubnetGroupName = Network.PrivateTier },
            AssignPublicIp = false,
            EnableExecuteCommand = true,
            CapacityProviderStrategies =
            [
                new CapacityProviderStrategy { CapacityProvider = env.WorkerOnSpot ? "FARGATE_SPOT" : "FARGATE", Weight = 1 },
            ],
            CloudMapOptions = new CloudMapOptions { Name = "worker", DnsRecordType = DnsRecordType.A, DnsTtl = Duration.Seconds(10) },
            PropagateTags = PropagatedTagSource.SERVICE,
            EnableECSManagedTags = true,
        });
        SuppressReleaseImageMustExist(env);
    }

    /// <summary>
    /// With <see cref="EnvironmentConfig.ImageTag"/> the task definitions run an image of the environment's own
    /// repository, which this stack creates empty (PF701). The pipeline deploys such an assembly only after its
    /// Image action pushed and scanned that tag, and its Infrastructure action checks the assembly against it.
    /// </summary>
    private void SuppressReleaseImageMustExist(EnvironmentConfig env)
    {
        if (env.ImageTag is null)
        {
            return;
        }
        foreach (var taskDefinition in new[] { ApiTaskDefinition, WorkerTaskDefinition })
        {
            Aspects.PreflightSuppressions.Suppress((CfnResource)taskDefinition.Node.DefaultChild!, Aspects.PreflightSuppressions.MustExistFirst,
                $"image tag {env.ImageTag} is pushed to {ImageRepository.NameFor(env)} and scanned by the pipeline's Image action before the Infrastructure action deploys this assembly (buildspecs/scripts/build-image.sh, assembly-image.js); the first deploy of an environment is by hand without imageTag (docs/runbook.md)");
        }
    }

    /// <summary>Name of the init container that migrates before the app container starts.</summary>
    public const string MigrationContainerName = "migrate";

    /// <summary>
    /// The app connects to the writer endpoint (instance or Aurora cluster) as its own login. The
    /// password is not injected: ECS fixes injected secrets at task start, and rotation changes it
    /// under running tasks, so the app reads it through Parameter Store's Secrets Manager reference
    /// at run time and again when PostgreSQL rejects it.
    /// </summary>
    private static Dictionary<string, string> DatabaseSettings(Database database) => new()
    {
        ["Payments__Database__Host"] = database.WriterEndpoint,
        ["Payments__Database__Port"] = Database.Port.ToString(CultureInfo.InvariantCulture),
        ["Payments__Database__Name"] = Database.DatabaseName,
        ["Payments__Database__Username"] = Database.AppUsername,
        ["Payments__Database__PasswordSecretId"] = database.AppSecretName,
        // Migrations run in the init container below, as the owner; the app's login may not run DDL.
        ["Payments__Database__MigrateOnStart"] = "false",
    };

    /// <summary>
    /// <c>Payments.Api migrate</c> as the owner, before the app container starts (it waits for this
    /// container's success): every release's first task applies the new migrations, later tasks find
    /// nothing to do. Only this container receives the owner's credentials.
    /// </summary>
    private void AddMigration(FargateTaskDefinition taskDefinition, ContainerDefinition app, LogGroup logGroup, Dictionary<string, string> environment, Database database)
    {
        var migration = taskDefinition.AddContainer(MigrationContainerName, new ContainerDefinitionOptions
        {
            ContainerName = MigrationContainerName,
            Image = Image,
            Command = [ServiceContract.MigrateCommand],
            Essential = false,
            Environment = environment,
            Secrets = new Dictionary<string, EcsSecret>
            {
                ["Payments__Database__Owner__Username"] = EcsSecret.FromSecretsManager(database.Secret, "username"),
                ["Payments__Database__Owner__Password"] = EcsSecret.FromSecretsManager(database.Secret, "password"),
            },
            Logging = LogDrivers.AwsLogs(new AwsLogDriverProps { LogGroup = logGroup, StreamPrefix = MigrationContainerName }),
            ReadonlyRootFilesystem = true,
        });
        app.AddContainerDependencies(new ContainerDependency { Container = migration, Condition = ContainerDependencyCondition.SUCCESS });
    }

    /// <summary>
    /// What reading the app's password at run time needs, and no more: the Parameter Store reference
    /// to the secret, the secret itself, and decrypting it with the environment key through Secrets Manager.
    /// </summary>
    private static void GrantDatabaseLogin(Role taskRole, Database database, IKey key)
    {
        var stack = Stack.Of(taskRole);
        taskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadDatabasePasswordReference",
            Actions = ["ssm:GetParameter"],
            Resources = [stack.FormatArn(new ArnComponents
            {
                Service = "ssm",
                Resource = "parameter",
                ResourceName = $"aws/reference/secretsmanager/{database.AppSecretName}",
                ArnFormat = ArnFormat.SLASH_RESOURCE_NAME,
            })],
        }));
        taskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadDatabasePassword",
            Actions = ["secretsmanager:GetSecretValue"],
            Resources = [database.AppSecret.SecretArn],
        }));
        taskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DecryptDatabasePassword",
            Actions = ["kms:Decrypt"],
            Resources = [key.KeyArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"secretsmanager.{stack.Region}.amazonaws.com" },
            },
        }));
    }

    private ContainerDefinition AddContainer(
        FargateTaskDefinition taskDefinition,
        string name,
        string role,
        LogGroup logGroup,
        Dictionary<string, string> environment,
        Dictionary<string, EcsSecret> secrets,
        bool withPort)
    {
        return taskDefinition.AddContainer(name, new ContainerDefinitionOptions
        {
            ContainerName = name,
            Image = Image,
            Command = [ServiceContract.RoleSwitch, role],
            Essential = true,
            Environment = environment,
            Secrets = secrets,
            PortMappings = withPort
                ? [new PortMapping { ContainerPort = ServiceContract.HttpPort, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP, Name = "http" }]
                : null,
            Logging = LogDrivers.AwsLogs(new AwsLogDriverProps { LogGroup = logGroup, StreamPrefix = name }),
            StopTimeout = Duration.Seconds(StopTimeoutSeconds),
            // ECS exec's agent writes into the container, so the root filesystem stays writable.
            ReadonlyRootFilesystem = false,
            LinuxParameters = new LinuxParameters(this, $"{name}LinuxParameters", new LinuxParametersProps { InitProcessEnabled = true }),
        });
    }

    private ContainerImage ImageFor(ServicesProps props)
    {
        if (props.Environment.ImageTag is { } tag)
        {
            return ContainerImage.FromEcrRepository(props.Images.Repository, tag);
        }
        var dockerfile = Path.Combine(props.Settings.RepositoryRoot, DockerfilePath);
        if (!File.Exists(dockerfile))
        {
            Annotations.Of(this).AddWarningV2("payments:image:dockerfile",
                $"'{dockerfile}' does not exist: publishing the image asset will fail; add it or deploy with -c imageTag=<tag>");
        }
        // Registered with the synthesizer directly instead of a DockerImageAsset: the source hash is
        // configuration, so synth neither fingerprints nor copies the checkout, needs no Docker engine,
        // and the image URI in the task definition stays the same from one synth to the next. That
        // matters for a CODE_DEPLOY service: CloudFormation cannot roll a changed task definition out
        // to it, so new versions arrive through CodeDeploy, never through a changed asset hash.
        var location = Stack.Of(this).Synthesizer.AddDockerImageAsset(new DockerImageAssetSource
        {
            SourceHash = props.Settings.ImageAssetHash,
            DirectoryName = props.Settings.RepositoryRoot,
            DockerFile = DockerfilePath,
            Platform = "linux/amd64",
            AssetName = "payments-api",
        });
        var assetRepository = Repository.FromRepositoryName(this, "ImageAssetRepository", location.RepositoryName);
        return ContainerImage.FromEcrRepository(assetRepository, location.ImageTag);
    }

    private static CapacityProviderStrategy[] ApiCapacity(EnvironmentConfig env)
    {
        var strategies = new List<CapacityProviderStrategy> { new() { CapacityProvider = "FARGATE", Base = 1, Weight = 1 } };
        if (env.ApiSpotWeight > 0)
        {
            strategies.Add(new CapacityProviderStrategy { CapacityProvider = "FARGATE_SPOT", Weight = env.ApiSpotWeight });
        }
        return [.. strategies];
    }

    private SecurityGroup TaskSecurityGroup(string id, string name, string description, ServicesProps props)
    {
        var group = new SecurityGroup(this, id, new SecurityGroupProps
        {
            Vpc = props.Vpc,
            SecurityGroupName = name,
            Description = $"Payments {props.Environment.Name} {description}",
            AllowAllOutbound = false,
        });
        // AWS APIs (ECR, Secrets Manager, CloudWatch Logs, S3, SSM for exec) over TLS through NAT or endpoints.
        group.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "AWS APIs over TLS");
        return group;
    }

    private Role ExecutionRole(string id, string name, EnvironmentConfig env) => new(this, id, new RoleProps
    {
        RoleName = name,
        Description = $"Payments {env.Name}: pulls the image, reads the task's secrets, writes its logs",
        AssumedBy = EcsTasksPrincipal(),
    });

    private Role TaskRole(string id, string name, EnvironmentConfig env) => new(this, id, new RoleProps
    {
        RoleName = name,
        Description = $"Payments {env.Name}: what the application itself may call",
        AssumedBy = EcsTasksPrincipal(),
    });

    private FargateTaskDefinition TaskDefinitionFor(string id, string family, int cpu, int memoryMiB, Role executionRole, Role taskRole) =>
        new(this, id, new FargateTaskDefinitionProps
        {
            Family = family,
            Cpu = cpu,
            MemoryLimitMiB = memoryMiB,
            ExecutionRole = executionRole,
            TaskRole = taskRole,
            RuntimePlatform = new RuntimePlatform { CpuArchitecture = CpuArchitecture.X86_64, OperatingSystemFamily = OperatingSystemFamily.LINUX },
        });

    private ServicePrincipal EcsTasksPrincipal() => new("ecs-tasks.amazonaws.com", new ServicePrincipalOpts
    {
        Conditions = new Dictionary<string, object>
        {
            // Confused-deputy guard: only ECS acting for this account may assume the role.
            ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(this).Account },
        },
    });

    private LogGroup LogGroupFor(string id, string name, ServicesProps props, RemovalPolicy removal) => new(this, id, new LogGroupProps
    {
        LogGroupName = name,
        EncryptionKey = props.Key,
        Retention = props.Environment.LogRetention,
        RemovalPolicy = removal,
    });

}
