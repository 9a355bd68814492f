using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Constructs;

public sealed record EncryptionKeysProps
{
    public required EnvironmentConfig Environment { get; init; }
}

/// <summary>
/// The environment's customer-managed key. Its policy names every service that encrypts with it:
/// CDK adds grants for IAM roles but never the CloudWatch Logs service principal, and a log group
/// with a key the service cannot use fails to create (seed 004 gave up on log encryption because of it).
/// </summary>
public sealed class EncryptionKeys : Construct
{
    public Key Key { get; }

    public EncryptionKeys(Construct scope, string id, EncryptionKeysProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var env = props.Environment;
        var stack = Stack.Of(this);
        Key = new Key(this, "Resource", new KeyProps
        {
            Alias = $"alias/{env.Prefix}",
            Description = $"Payments {env.Name}: logs, database, secrets, buckets, topics, images",
            EnableKeyRotation = true,
            PendingWindow = Duration.Days(env.KeyDeletionWindowDays),
            RemovalPolicy = env.DataRemovalPolicy,
        });

        // CloudWatch Logs encrypts with the key itself; the condition pins it to this account's log groups.
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowCloudWatchLogs",
            Principals = [new ServicePrincipal($"logs.{stack.Region}.amazonaws.com")],
            Actions = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object>
                {
                    ["kms:EncryptionContext:aws:logs:arn"] = $"arn:{stack.Partition}:logs:{stack.Region}:{stack.Account}:log-group:*",
                },
            },
        }));

        // The topics are encrypted with this key: SNS encrypts what a service publishes with the key as that
        // service, so alarms and EventBridge rules need it in the key policy as well as in the topic policy.
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowCloudWatchAlarmsToPublishToEncryptedTopics",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = Alerting.AlarmSourceConditions(stack),
        }));
        // No source conditions for EventBridge: its KMS requests carry neither aws:SourceAccount nor
        // aws:SourceArn (SNS developer guide), so such a condition would drop every event.
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowEventBridgeToPublishToEncryptedTopics",
            Principals = [new ServicePrincipal("events.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
        }));
    }
}
