using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Constructs;

public sealed record AlertingProps
{
    public required EnvironmentConfig Environment { get; init; }
    public required IKey Key { get; init; }
}

/// <summary>One KMS-encrypted, TLS-only SNS topic per audience.</summary>
public sealed class Alerting : Construct
{
    /// <summary>Service health: alarms on the load balancer, services and database; deployments.</summary>
    public Topic Operations { get; }

    /// <summary>Security signals: rejected traffic spikes, critical image findings.</summary>
    public Topic Security { get; }

    public Alerting(Construct scope, string id, AlertingProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        Operations = Create("Operations", $"{props.Environment.Prefix}-operations", "Payments operations", props.Key);
        Security = Create("Security", $"{props.Environment.Prefix}-security", "Payments security", props.Key);
    }

    private Topic Create(string id, string name, string displayName, IKey key)
    {
        var topic = new Topic(this, id, new TopicProps
        {
            TopicName = name,
            DisplayName = displayName,
            MasterKey = key,
        });
        DenyPublishWithoutTls(topic, "DenyPublishWithoutTls");
        AllowAlarmsToPublish(topic, "AllowCloudWatchAlarms");
        return topic;
    }

    /// <summary>
    /// Lets this account's CloudWatch alarms publish. A topic policy replaces SNS's default one, which is the
    /// only thing that admitted alarms; without this statement every alarm action is silently dropped.
    /// </summary>
    public static void AllowAlarmsToPublish(Topic topic, string sid)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var stack = Amazon.CDK.Stack.Of(topic);
        topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = sid,
            Effect = Effect.ALLOW,
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [topic.TopicArn],
            Conditions = AlarmSourceConditions(stack),
        }));
    }

    /// <summary>Confused-deputy guard for the CloudWatch service principal: only alarms of this account and region.</summary>
    public static Dictionary<string, object> AlarmSourceConditions(Amazon.CDK.Stack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        return new Dictionary<string, object>
        {
            ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
            ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = $"arn:{stack.Partition}:cloudwatch:{stack.Region}:{stack.Account}:alarm:*" },
        };
    }

    /// <summary>
    /// Adds the statement denying <c>sns:Publish</c> without TLS. CDK 2.160's EnforceSSL only materialises
    /// once some other statement creates a topic policy, so the statement is explicit.
    /// </summary>
    public static void DenyPublishWithoutTls(Topic topic, string sid)
    {
        ArgumentNullException.ThrowIfNull(topic);
        topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = sid,
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["sns:Publish"],
            Resources = [topic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" },
            },
        }));
    }
}
