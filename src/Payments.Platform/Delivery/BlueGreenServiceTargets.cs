using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.KMS;

namespace Payments.Platform.Delivery;

/// <summary>
/// What the blue/green deployment needs from the platform for one load-balanced service. Filled from the
/// platform's seam object; kept as its own record so the delivery constructs state exactly what they use.
/// </summary>
public sealed record BlueGreenServiceTargets
{
    /// <summary>The service, created with the CODE_DEPLOY deployment controller.</summary>
    public required IBaseService Service { get; init; }

    /// <summary>The service's container that receives the load balancer's traffic (and the smoke merchant's secrets).</summary>
    public required ContainerDefinition Container { get; init; }

    public required IApplicationTargetGroup BlueTargetGroup { get; init; }
    public required IApplicationTargetGroup GreenTargetGroup { get; init; }
    public required IApplicationListener ProdListener { get; init; }
    public required IApplicationListener TestListener { get; init; }

    /// <summary>Base URL of the test listener as the hook reaches it, e.g. <c>http://alb-dns:8443</c>.</summary>
    public required string TestListenerUrl { get; init; }

    /// <summary>
    /// A name on the test listener's certificate when it serves HTTPS. The hook dials the ALB's own DNS name,
    /// which no certificate carries, and verifies TLS against this name instead.
    /// </summary>
    public string? TestTlsHostName { get; init; }

    /// <summary>Green 5xx, p99 latency, unhealthy hosts: a deployment in alarm rolls back.</summary>
    public required IReadOnlyList<IAlarm> RollbackAlarms { get; init; }

    public required IVpc Vpc { get; init; }

    /// <summary>The environment's customer-managed key (secret, hook logs).</summary>
    public required IKey Key { get; init; }

    /// <summary>Merchant slot for the smoke-test merchant: <c>Payments__Merchants__{N}__Id/ApiKey</c>.</summary>
    public int SmokeMerchantIndex { get; init; }
}
