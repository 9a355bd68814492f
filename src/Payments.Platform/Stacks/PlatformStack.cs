using Amazon.CDK;
using Constructs;
using Payments.Api.Hosting;
using Payments.Platform.Constructs;
using Payments.Platform.Environments;
using Payments.Platform.Seams;

namespace Payments.Platform.Stacks;

public sealed class PlatformStackProps : StackProps
{
    public required EnvironmentConfig Config { get; init; }
    public required PlatformSettings Settings { get; init; }
}

/// <summary>Everything one environment runs on: network, keys, data, images, services, edge, alarms.</summary>
public sealed class PlatformStack : Stack
{
    public EnvironmentConfig Config { get; }
    public EncryptionKeys Keys { get; }
    public Network Network { get; }
    public Alerting Alerting { get; }
    public ImageRepository Images { get; }
    public TransactionLogBucket TransactionLog { get; }
    public Database Database { get; }
    public Edge Edge { get; }
    public Services Services { get; }
    public Monitoring Monitoring { get; }
    public ApiDeploymentSeam Seam { get; }

    public PlatformStack(Construct scope, string id, PlatformStackProps props) : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(props);
        Config = props.Config;
        Keys = new EncryptionKeys(this, "Keys", new EncryptionKeysProps { Environment = Config });
        var key = Keys.Key;
        Network = new Network(this, "Network", new NetworkProps { Environment = Config, Key = key });
        Alerting = new Alerting(this, "Alerting", new AlertingProps { Environment = Config, Key = key });
        Images = new ImageRepository(this, "Images", new ImageRepositoryProps { Environment = Config, Key = key });
        Edge = new Edge(this, "Edge", new EdgeProps { Environment = Config, Vpc = Network.Vpc });
        TransactionLog = new TransactionLogBucket(this, "TransactionLog", new TransactionLogBucketProps { Environment = Config, Key = key, AccessLogs = Edge.AccessLogBucket });
        Database = new Database(this, "Database", new DatabaseProps
        {
            EnvironmentName = Config.Name,
            Prefix = Config.Prefix,
            Engine = Config.DatabaseEngine,
            Vpc = Network.Vpc,
            Key = key,
            InstanceClass = Config.DatabaseInstanceClass,
            AllocatedStorageGiB = Config.DatabaseAllocatedStorageGiB,
            HighlyAvailable = Config.DatabaseMultiAz,
            AvailabilityZones = Config.AvailabilityZones,
            BackupRetentionDays = Config.DatabaseBackupRetentionDays,
            DeletionProtection = Config.DatabaseDeletionProtection,
            DestroyOnDelete = Config.DestroyOnDelete,
            LogRetention = Config.LogRetention,
            CredentialRotationDays = Config.DatabaseCredentialRotationDays,
            // Private subnets route to a NAT gateway in every environment (and to the Secrets Manager
            // endpoint where interface endpoints are on): the rotation functions reach the API either way.
            RotationSubnets = new Amazon.CDK.AWS.EC2.SubnetSelection { SubnetGroupName = Network.PrivateTier },
        });
        Services = new Services(this, "Services", new ServicesProps
        {
            Environment = Config,
            Settings = props.Settings,
            Vpc = Network.Vpc,
            Key = key,
            Edge = Edge,
            Database = Database,
            Images = Images,
            TransactionLog = TransactionLog,
        });
        Monitoring = new Monitoring(this, "Monitoring", new MonitoringProps
        {
            Environment = Config,
            Alerting = Alerting,
            Edge = Edge,
            Services = Services,
            Database = Database,
            Network = Network,
            Images = Images,
        });

        Seam = new ApiDeploymentSeam
        {
            Environment = Config,
            Stack = this,
            Cluster = Services.Cluster,
            Service = Services.Api,
            ServiceName = Services.ApiServiceNameFor(Config),
            BlueTargetGroup = Edge.BlueTargetGroup,
            GreenTargetGroup = Edge.GreenTargetGroup,
            ProdListener = Edge.ProdListener,
            TestListener = Edge.TestListener,
            TestListenerPort = Config.TestListenerPort,
            TestListenerUrl = $"{(Edge.Https ? "https" : "http")}://{Edge.LoadBalancer.LoadBalancerDnsName}:{Config.TestListenerPort}",
            ProdUrl = Edge.ProdUrl,
            Repository = Images.Repository,
            RollbackAlarms = Monitoring.RollbackAlarms,
            OperationsTopic = Alerting.Operations,
            SecurityTopic = Alerting.Security,
            Key = key,
            Vpc = Network.Vpc,
            PrivateSubnets = new Amazon.CDK.AWS.EC2.SubnetSelection { SubnetGroupName = Network.PrivateTier },
            TaskDefinitionFamily = Services.ApiTaskDefinition.Family,
            ContainerName = Services.ApiContainerName,
            ContainerPort = ServiceContract.HttpPort,
            ExecutionRole = Services.ApiExecutionRole,
            TaskRole = Services.ApiTaskRole,
            TaskDefinition = Services.ApiTaskDefinition,
            Container = Services.ApiContainer,
            LoadBalancer = Edge.LoadBalancer,
            LoadBalancerSecurityGroup = Edge.SecurityGroup,
        };

        Output("AlbDnsName", Edge.LoadBalancer.LoadBalancerDnsName, "Load balancer DNS name");
        Output("ApiUrl", Edge.ProdUrl, "Production URL of the api");
        Output("TestListenerUrl", Seam.TestListenerUrl, "CodeDeploy test listener (VPC only)");
        Output("ClusterName", Services.Cluster.ClusterName, "ECS cluster");
        Output("ApiServiceName", Services.Api.ServiceName, "api service (CODE_DEPLOY)");
        Output("WorkerServiceName", Services.Worker.ServiceName, "worker service (transaction-log relay)");
        // The revision CloudFormation manages: the pipeline renders each release's taskdef.json from it,
        // so container settings changed here reach the service (the family's latest revision is the one
        // CodeDeploy registered from the previous release and would carry old settings forward forever).
        Output(ApiTaskDefinitionArnOutput, Services.ApiTaskDefinition.TaskDefinitionArn, "api task definition revision managed by CloudFormation (base of every release's taskdef.json)");
        // The writer either way: the instance endpoint, or the Aurora cluster endpoint (follows a failover).
        Output("DatabaseEndpoint", Database.WriterEndpoint, "PostgreSQL writer endpoint");
        Output("DatabasePort", Database.EndpointPort, "PostgreSQL port");
        Output("DatabaseSecretArn", Database.Secret.SecretArn, "Database owner credentials (migrations only; rotated)");
        Output("DatabaseAppSecretArn", Database.AppSecret.SecretArn, "The service's own DML-only database login (rotated)");
        if (Database.ReaderEndpoint is { } reader)
        {
            Output("DatabaseReaderEndpoint", reader, "Aurora reader endpoint (read-only)");
        }
        Output("TransactionLogBucketName", TransactionLog.Bucket.BucketName, "Transaction-log bucket");
        Output("TransactionLogPrefix", TransactionLogBucket.ObjectPrefix, "Key prefix of the relay's transaction-log objects");
        Output("VpcId", Network.Vpc.VpcId, "VPC");
        Output("EcrRepositoryUri", Images.Repository.RepositoryUri, "ECR repository of the service image");
        Output("OperationsTopicArn", Alerting.Operations.TopicArn, "Operations alerts");
        Output("SecurityTopicArn", Alerting.Security.TopicArn, "Security alerts");
        Output("DashboardName", $"{Config.Prefix}", "CloudWatch dashboard");
    }

    /// <summary>Output read by <c>buildspecs/scripts/release-environment.sh</c>; renaming it breaks releases.</summary>
    public const string ApiTaskDefinitionArnOutput = "ApiTaskDefinitionArn";

    private void Output(string id, string value, string description) =>
        new CfnOutput(this, id, new CfnOutputProps { Value = value, Description = description });
}
