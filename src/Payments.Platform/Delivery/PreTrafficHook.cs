using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Payments.Api.Hosting;

namespace Payments.Platform.Delivery;

public sealed record PreTrafficHookProps
{
    public required DeliveryEnvironment Delivery { get; init; }
    public required IVpc Vpc { get; init; }
    public required string TestListenerUrl { get; init; }
    public string? TestTlsHostName { get; init; }
    public required int TestListenerPort { get; init; }
    public required ISecret SmokeMerchant { get; init; }
    public required IKey Key { get; init; }
    public required RetentionDays LogRetention { get; init; }
    public required RemovalPolicy RemovalPolicy { get; init; }
}

/// <summary>
/// The AfterAllowTestTraffic hook: an inline Node.js function in the private subnets that checks readiness
/// and runs an authorize + cancel against the test listener, then reports to CodeDeploy.
/// </summary>
public sealed class PreTrafficHook : Construct
{
    public const string FunctionFolder = "pre-traffic-hook";

    /// <summary>One request; CodeDeploy waits up to an hour for the hook, the function itself gives up much sooner.</summary>
    public static readonly Duration RequestTimeout = Duration.Seconds(10);
    public static readonly Duration TotalTimeout = Duration.Seconds(90);

    public Function Function { get; }
    public SecurityGroup SecurityGroup { get; }

    public PreTrafficHook(Construct scope, string id, PreTrafficHookProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            Description = $"Payments {props.Delivery.Name} pre-traffic hook: test listener and AWS APIs only",
            AllowAllOutbound = false,
        });
        // The ALB is internet-facing: its name resolves to public addresses reached through NAT, so the
        // egress cannot be narrowed to the ALB's security group.
        SecurityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(props.TestListenerPort), "test listener");
        SecurityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "CodeDeploy and Secrets Manager APIs");

        var logGroup = new LogGroup(this, "Logs", new LogGroupProps
        {
            // Generated name: the function logs here through its logging config, and prod retains the group.
            Retention = props.LogRetention,
            EncryptionKey = props.Key,
            RemovalPolicy = props.RemovalPolicy,
        });

        Function = new Function(this, "Resource", new FunctionProps
        {
            FunctionName = props.Delivery.PreTrafficHookFunctionName,
            Description = $"CodeDeploy AfterAllowTestTraffic hook for payments {props.Delivery.Name}: readiness + authorize/cancel on the test listener",
            Runtime = LambdaSource.NodeRuntime(),
            Handler = "index.handler",
            Code = Code.FromInline(LambdaSource.Read(FunctionFolder)),
            Timeout = TotalTimeout.Plus(Duration.Seconds(30)),
            MemorySize = 256,
            Vpc = props.Vpc,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS },
            SecurityGroups = [SecurityGroup],
            LogGroup = logGroup,
            // CodeDeploy invokes asynchronously; a retry repeats the smoke test with the same idempotency key.
            RetryAttempts = 1,
            Environment = new Dictionary<string, string>
            {
                ["TEST_ENDPOINT"] = props.TestListenerUrl,
                ["READINESS_PATH"] = ServiceContract.ReadinessPath,
                ["SMOKE_SECRET_ID"] = props.SmokeMerchant.SecretArn,
                ["REQUEST_TIMEOUT_MS"] = RequestTimeout.ToMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["TOTAL_TIMEOUT_MS"] = TotalTimeout.ToMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        });
        if (props.TestTlsHostName is not null)
        {
            Function.AddEnvironment("TEST_TLS_HOST", props.TestTlsHostName);
        }
        else if (props.TestListenerUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            Annotations.Of(this).AddWarning(
                $"the {props.Delivery.Name} test listener serves HTTPS but no certificate name is configured: the hook dials the ALB's DNS name, "
                + $"TLS verification fails and every deployment rolls back. Set -c testTlsHost:{props.Delivery.Name}=<a name on the certificate>.");
        }
        props.SmokeMerchant.GrantRead(Function);
        CfnLintSuppression.IgnoreRedundantRoleDependency((CfnResource)Function.Node.DefaultChild!);
    }

    /// <summary>Lets the hook report the result for deployments of exactly this deployment group.</summary>
    public void AllowReportingTo(string applicationName, string deploymentGroupName)
    {
        var stack = Stack.Of(this);
        Function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReportLifecycleHookStatus",
            Actions = ["codedeploy:PutLifecycleEventHookExecutionStatus"],
            Resources = [stack.FormatArn(new ArnComponents
            {
                Service = "codedeploy",
                Resource = "deploymentgroup",
                ResourceName = $"{applicationName}/{deploymentGroupName}",
                ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
            })],
        }));
    }
}
