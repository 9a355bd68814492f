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
        return topic;
    }

    /// <summary>
    /// Adds the statement denying <c>sns:Publish</c> without TLS. CDK 2.160's EnforceSSL only materialises
    /// once some other statement creates a topic policy; the operations topic gets none (alarms publish
    /// without one), so the statement is explicit.
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
