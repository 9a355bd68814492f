using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Constructs;

public sealed record NetworkProps
{
    public required EnvironmentConfig Environment { get; init; }
    public required IKey Key { get; init; }
}

/// <summary>
/// A new VPC (never looked up: seed 000's <c>Vpc.fromLookup</c> found no VPC) with public,
/// private-with-egress and isolated data subnets in the three configured AZs, and flow logs of all
/// traffic to a KMS-encrypted log group.
/// </summary>
public sealed class Network : Construct
{
    public const string PublicTier = "public";
    public const string PrivateTier = "private";
    public const string DataTier = "data";

    public Vpc Vpc { get; }
    public LogGroup FlowLogGroup { get; }

    public Network(Construct scope, string id, NetworkProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var env = props.Environment;
        Vpc = new Vpc(this, "Resource", new VpcProps
        {
            VpcName = $"{env.Prefix}-vpc",
            IpAddresses = IpAddresses.Cidr("10.40.0.0/16"),
            AvailabilityZones = [.. env.AvailabilityZones],
            NatGateways = env.NatGateways,
            RestrictDefaultSecurityGroup = false,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = PublicTier, SubnetType = SubnetType.PUBLIC, CidrMask = 24, MapPublicIpOnLaunch = false },
                new SubnetConfiguration { Name = PrivateTier, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 20 },
                new SubnetConfiguration { Name = DataTier, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
        });

        if (!env.IsProduction)
        {
            foreach (var subnet in Vpc.PublicSubnets)
            {
                if (subnet.Node.TryFindChild("NATGateway") is CfnResource nat)
                {
                    Aspects.PreflightSuppressions.Suppress(nat, Aspects.PreflightSuppressions.NatCostOutsideProduction,
                        $"NAT count is the environment table of issue 3 ({env.Name}: {env.NatGateways}); private tasks need egress to ECR, Logs and Secrets Manager unless endpoints are turned on");
                }
            }
        }

        FlowLogGroup = new LogGroup(this, "FlowLogs", new LogGroupProps
        {
            LogGroupName = $"/payments/{env.Name}/vpc-flow-logs",
            EncryptionKey = props.Key,
            Retention = env.LogRetention,
            RemovalPolicy = env.DataRemovalPolicy,
        });
        var flowLogRole = new Role(this, "FlowLogRole", new RoleProps
        {
            RoleName = $"{env.Prefix}-vpc-flow-logs",
            AssumedBy = new ServicePrincipal("vpc-flow-logs.amazonaws.com"),
            Description = "Delivers VPC flow logs to the environment's encrypted log group",
        });
        Vpc.AddFlowLog("FlowLog", new FlowLogOptions
        {
            TrafficType = FlowLogTrafficType.ALL,
            Destination = FlowLogDestination.ToCloudWatchLogs(FlowLogGroup, flowLogRole),
        });

        if (env.VpcInterfaceEndpoints)
        {
            var endpointSubnets = new SubnetSelection { SubnetGroupName = PrivateTier };
            Vpc.AddGatewayEndpoint("S3", new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3 });
            foreach (var (name, service) in new[]
            {
                ("EcrApi", InterfaceVpcEndpointAwsService.ECR),
                ("EcrDocker", InterfaceVpcEndpointAwsService.ECR_DOCKER),
                ("Logs", InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
                ("SecretsManager", InterfaceVpcEndpointAwsService.SECRETS_MANAGER),
                ("Kms", InterfaceVpcEndpointAwsService.KMS),
                ("SsmMessages", InterfaceVpcEndpointAwsService.SSM_MESSAGES),
            })
            {
                Vpc.AddInterfaceEndpoint(name, new InterfaceVpcEndpointOptions { Service = service, Subnets = endpointSubnets });
            }
        }
    }
}
