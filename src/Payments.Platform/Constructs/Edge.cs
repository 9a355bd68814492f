using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.S3;
using Constructs;
using Payments.Api.Hosting;
using Payments.Platform.Environments;

namespace Payments.Platform.Constructs;

public sealed record EdgeProps
{
    public required EnvironmentConfig Environment { get; init; }
    public required Vpc Vpc { get; init; }
}

/// <summary>
/// The internet-facing ALB with the blue/green seams CodeDeploy needs: a blue target group behind
/// the production listener and a green one behind the test listener (CodeDeploy fails when the green
/// group is attached to no listener). Health checks use the service's own readiness path and port,
/// never a guess (seeds 000 and 004 checked paths their containers did not serve).
/// </summary>
public sealed class Edge : Construct
{
    public const int HttpPort = 80;
    public const int HttpsPort = 443;

    /// <summary>Prefix of <see cref="AccessLogBucket"/> under which S3 server access logs are delivered (the ALB's go under alb/).</summary>
    public const string ServerAccessLogPrefix = "s3/";

    private const string S3ServerAccessLogsUseBucketPolicy = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy";
    public static readonly Duration DeregistrationDelay = Duration.Seconds(30);

    public ApplicationLoadBalancer LoadBalancer { get; }
    public SecurityGroup SecurityGroup { get; }
    public ApplicationTargetGroup BlueTargetGroup { get; }
    public ApplicationTargetGroup GreenTargetGroup { get; }
    public ApplicationListener ProdListener { get; }
    public ApplicationListener TestListener { get; }
    public ApplicationListener? RedirectListener { get; }
    public Bucket AccessLogBucket { get; }
    public bool Https { get; }

    public Edge(Construct scope, string id, EdgeProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        // S3 delivers server access logs into AccessLogs under a bucket policy (CDK's recommended flag):
        // the bucket has ACLs disabled (BucketOwnerEnforced), so the legacy LogDeliveryWrite ACL cannot apply.
        Node.SetContext(S3ServerAccessLogsUseBucketPolicy, true);
        var env = props.Environment;
        Https = env.CertificateArn is not null;
        var protocol = Https ? ApplicationProtocol.HTTPS : ApplicationProtocol.HTTP;
        var prodPort = Https ? HttpsPort : HttpPort;

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            SecurityGroupName = $"{env.Prefix}-alb",
            Description = $"Payments {env.Name} load balancer",
            AllowAllOutbound = false,
        });
        SecurityGroup.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(prodPort), "production listener");
        if (Https)
        {
            SecurityGroup.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(HttpPort), "redirect to https");
        }
        // The test listener serves the new version before it takes traffic: reachable from inside the
        // VPC and from the VPC's own NAT addresses (a hook in a private subnet resolves the public ALB
        // name and arrives through NAT), from nowhere else.
        SecurityGroup.AddIngressRule(Peer.Ipv4(props.Vpc.VpcCidrBlock), Port.Tcp(env.TestListenerPort), "test listener from the VPC");
        foreach (var (subnet, index) in props.Vpc.PublicSubnets.Select((subnet, index) => (subnet, index)))
        {
            if (subnet.Node.TryFindChild("EIP") is CfnEIP natAddress)
            {
                SecurityGroup.AddIngressRule(
                    Peer.Ipv4(Fn.Join("", [natAddress.Ref, "/32"])),
                    Port.Tcp(env.TestListenerPort),
                    $"test listener from NAT gateway {index + 1}");
            }
        }

        AccessLogBucket = new Bucket(this, "AccessLogs", new BucketProps
        {
            BucketName = $"{env.Prefix}-alb-logs-{Aws.ACCOUNT_ID}-{Aws.REGION}",
            // ALB access logs can only be delivered to SSE-S3 buckets, not SSE-KMS.
            Encryption = BucketEncryption.S3_MANAGED,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            EnforceSSL = true,
            Versioned = true,
            AutoDeleteObjects = env.DestroyOnDelete,
            RemovalPolicy = env.DataRemovalPolicy,
            LifecycleRules =
            [
                new Amazon.CDK.AWS.S3.LifecycleRule
                {
                    Id = "expire-access-logs",
                    Enabled = true,
                    Prefix = "alb/",
                    Expiration = Duration.Days(env.LogRetentionDays),
                    NoncurrentVersionExpiration = Duration.Days(7),
                },
                new Amazon.CDK.AWS.S3.LifecycleRule
                {
                    Id = "expire-server-access-logs",
                    Enabled = true,
                    Prefix = ServerAccessLogPrefix,
                    Expiration = Duration.Days(env.LogRetentionDays),
                    NoncurrentVersionExpiration = Duration.Days(7),
                },
            ],
        });

        LoadBalancer = new ApplicationLoadBalancer(this, "Resource", new ApplicationLoadBalancerProps
        {
            Vpc = props.Vpc,
            LoadBalancerName = $"{env.Prefix}-alb",
            InternetFacing = true,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Network.PublicTier },
            SecurityGroup = SecurityGroup,
            DropInvalidHeaderFields = true,
            DeletionProtection = env.LoadBalancerDeletionProtection,
        });
        LoadBalancer.LogAccessLogs(AccessLogBucket, "alb");

        BlueTargetGroup = TargetGroup("BlueTargetGroup", $"{env.Prefix}-blue", props.Vpc);
        GreenTargetGroup = TargetGroup("GreenTargetGroup", $"{env.Prefix}-green", props.Vpc);

        var certificates = Https ? new IListenerCertificate[] { ListenerCertificate.FromArn(env.CertificateArn!) } : null;
        ProdListener = LoadBalancer.AddListener("ProdListener", new BaseApplicationListenerProps
        {
            Port = prodPort,
            Protocol = protocol,
            Certificates = certificates,
            SslPolicy = Https ? SslPolicy.RECOMMENDED_TLS : null,
            Open = false,
            DefaultTargetGroups = [BlueTargetGroup],
        });
        TestListener = LoadBalancer.AddListener("TestListener", new BaseApplicationListenerProps
        {
            Port = env.TestListenerPort,
            Protocol = protocol,
            Certificates = certificates,
            SslPolicy = Https ? SslPolicy.RECOMMENDED_TLS : null,
            Open = false,
            DefaultTargetGroups = [GreenTargetGroup],
        });
        if (!Https && env.RequiresCertificate)
        {
            Annotations.Of(this).AddWarningV2("payments:edge:no-certificate",
                $"REVIEW ONLY: {env.Name} has no certificate, so this template serves plain HTTP and cannot be deployed. " +
                $"A synth for deployment (-c deploy=true, the pipeline) fails until certificateArn:{env.Name} and testTlsHost:{env.Name} are set in cdk.json's context.");
            Aspects.PreflightSuppressions.Suppress((CfnResource)ProdListener.Node.DefaultChild!, Aspects.PreflightSuppressions.HttpWithoutRedirect,
                $"synthesized without certificateArn:{env.Name} (CI has no certificate); with one the listener is HTTPS and port 80 redirects (EdgeTests)");
        }
        if (Https)
        {
            RedirectListener = LoadBalancer.AddListener("HttpRedirect", new BaseApplicationListenerProps
            {
                Port = HttpPort,
                Protocol = ApplicationProtocol.HTTP,
                Open = false,
                DefaultAction = ListenerAction.Redirect(new RedirectOptions
                {
                    Protocol = "HTTPS",
                    Port = HttpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Permanent = true,
                }),
            });
        }
    }

    public string ProdUrl => $"{(Https ? "https" : "http")}://{LoadBalancer.LoadBalancerDnsName}";

    private ApplicationTargetGroup TargetGroup(string id, string name, IVpc vpc) => new(this, id, new ApplicationTargetGroupProps
    {
        Vpc = vpc,
        TargetGroupName = name,
        TargetType = TargetType.IP,
        Port = ServiceContract.HttpPort,
        Protocol = ApplicationProtocol.HTTP,
        DeregistrationDelay = DeregistrationDelay,
        HealthCheck = new Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck
        {
            Path = ServiceContract.ReadinessPath,
            Port = ServiceContract.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Protocol = Amazon.CDK.AWS.ElasticLoadBalancingV2.Protocol.HTTP,
            HealthyHttpCodes = "200",
            Interval = Duration.Seconds(30),
            Timeout = Duration.Seconds(5),
            HealthyThresholdCount = 2,
            UnhealthyThresholdCount = 3,
        },
    });
}
