using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Payments.Platform.Environments;

namespace Payments.Platform.Seams;

/// <summary>
/// Everything the delivery side (CodeDeploy blue/green, pipeline) needs from one environment's
/// platform, as typed CDK objects. Handed to the delivery composition by <c>PaymentsApp</c>.
/// </summary>
public sealed record ApiDeploymentSeam
{
    public required EnvironmentConfig Environment { get; init; }

    /// <summary>The platform stack holding every object below (cross-stack references go through it).</summary>
    public required Stack Stack { get; init; }

    public required ICluster Cluster { get; init; }

    /// <summary>The api service, created with the CODE_DEPLOY controller and the blue target group attached.</summary>
    public required IBaseService Service { get; init; }

    public required string ServiceName { get; init; }

    /// <summary>Behind <see cref="ProdListener"/> at creation; CodeDeploy alternates the roles after each swap.</summary>
    public required ApplicationTargetGroup BlueTargetGroup { get; init; }

    /// <summary>Behind <see cref="TestListener"/> at creation.</summary>
    public required ApplicationTargetGroup GreenTargetGroup { get; init; }

    public required ApplicationListener ProdListener { get; init; }

    /// <summary>Open only to the VPC CIDR and the VPC's NAT addresses.</summary>
    public required ApplicationListener TestListener { get; init; }

    public required int TestListenerPort { get; init; }

    /// <summary><c>http(s)://&lt;alb dns&gt;:&lt;test port&gt;</c> — what a pre-traffic hook calls.</summary>
    public required string TestListenerUrl { get; init; }

    public required string ProdUrl { get; init; }

    public required IRepository Repository { get; init; }

    /// <summary>Rollback alarms: 5xx, p99 latency and unhealthy hosts of BOTH target groups (the live one alternates).</summary>
    public required IReadOnlyList<IAlarm> RollbackAlarms { get; init; }

    public required ITopic OperationsTopic { get; init; }
    public required ITopic SecurityTopic { get; init; }
    public required IKey Key { get; init; }

    public required IVpc Vpc { get; init; }

    /// <summary>Private subnets with NAT egress, e.g. for a hook Lambda that must reach the test listener.</summary>
    public required SubnetSelection PrivateSubnets { get; init; }

    public required string TaskDefinitionFamily { get; init; }
    public required string ContainerName { get; init; }
    public required int ContainerPort { get; init; }
    public required IRole ExecutionRole { get; init; }
    public required IRole TaskRole { get; init; }

    /// <summary>
    /// The api task definition. The service references its FAMILY (L1 <c>TaskDefinition</c>), so a
    /// change here registers a new revision without CloudFormation touching the CODE_DEPLOY service.
    /// </summary>
    public required TaskDefinition TaskDefinition { get; init; }

    /// <summary>The api container (add delivery-owned secrets with <c>AddSecret</c>; it grants the execution role).</summary>
    public required ContainerDefinition Container { get; init; }

    public required IApplicationLoadBalancer LoadBalancer { get; init; }

    /// <summary>
    /// The ALB's security group. Test-listener ingress from the VPC CIDR and each NAT EIP (/32) is
    /// already in place; add nothing broader.
    /// </summary>
    public required ISecurityGroup LoadBalancerSecurityGroup { get; init; }
}
