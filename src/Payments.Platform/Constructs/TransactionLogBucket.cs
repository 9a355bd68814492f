using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Constructs;

public sealed record TransactionLogBucketProps
{
    public required EnvironmentConfig Environment { get; init; }
    public required IKey Key { get; init; }

    /// <summary>The environment's SSE-S3 log bucket that receives this bucket's S3 server access logs.</summary>
    public required IBucket AccessLogs { get; init; }
}

/// <summary>Where the worker's relay exports the transaction log (JSON Lines objects).</summary>
public sealed class TransactionLogBucket : Construct
{
    /// <summary>Key prefix the relay writes under; the lifecycle rule applies to it.</summary>
    public const string ObjectPrefix = "transaction-log/";

    /// <summary>Where in <see cref="TransactionLogBucketProps.AccessLogs"/> its server access logs go.</summary>
    public const string AccessLogPrefix = Edge.ServerAccessLogPrefix + "transaction-log/";

    public Bucket Bucket { get; }

    public TransactionLogBucket(Construct scope, string id, TransactionLogBucketProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var env = props.Environment;
        Bucket = new Bucket(this, "Resource", new BucketProps
        {
            BucketName = $"{env.Prefix}-transaction-log-{Aws.ACCOUNT_ID}-{Aws.REGION}",
            Encryption = BucketEncryption.KMS,
            EncryptionKey = props.Key,
            BucketKeyEnabled = true,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            EnforceSSL = true,
            Versioned = true,
            // Who read or wrote which payment record, request by request: the audit trail of the audit trail.
            ServerAccessLogsBucket = props.AccessLogs,
            ServerAccessLogsPrefix = AccessLogPrefix,
            AutoDeleteObjects = env.DestroyOnDelete,
            RemovalPolicy = env.DataRemovalPolicy,
            LifecycleRules =
            [
                // An explicit prefix filter: seed 003's lifecycle rule without a filter was rejected.
                new LifecycleRule
                {
                    Id = "transaction-log-tiering",
                    Enabled = true,
                    Prefix = ObjectPrefix,
                    Transitions =
                    [
                        new Transition { StorageClass = StorageClass.INFREQUENT_ACCESS, TransitionAfter = Duration.Days(env.TransactionLogInfrequentAccessAfterDays) },
                        new Transition { StorageClass = StorageClass.GLACIER, TransitionAfter = Duration.Days(env.TransactionLogGlacierAfterDays) },
                    ],
                    Expiration = Duration.Days(env.TransactionLogExpireAfterDays),
                    NoncurrentVersionExpiration = Duration.Days(30),
                },
                new LifecycleRule
                {
                    Id = "abort-incomplete-uploads",
                    Enabled = true,
                    AbortIncompleteMultipartUploadAfter = Duration.Days(7),
                },
            ],
        });
    }
}
