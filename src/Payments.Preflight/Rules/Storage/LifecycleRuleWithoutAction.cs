using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Storage;

internal sealed class LifecycleRuleWithoutAction : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LifecycleRuleWithoutAction, Severity.Error,
        "S3 lifecycle rule without an action",
        "A lifecycle rule must do something: expire, transition, expire noncurrent versions or abort incomplete uploads. S3 rejects a rule with no action and the bucket update fails (\"At least one action needs to be specified in a rule\").",
        "Add an action (e.g. `ExpirationInDays`, `NoncurrentVersionExpiration`, `AbortIncompleteMultipartUpload`) or remove the rule.",
        "003",
        """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            DeletionPolicy: Retain
            Properties:
              LifecycleConfiguration:
                Rules:
                  - Id: logs
                    Status: Enabled
                    Prefix: logs/
        """,
        """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            DeletionPolicy: Retain
            Properties:
              LifecycleConfiguration:
                Rules:
                  - Id: logs
                    Status: Enabled
                    Prefix: logs/
                    ExpirationInDays: 90
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (bucket, path, rule) in LifecycleRules.Rules(context))
        {
            if (!LifecycleRules.Actions.Any(a => rule[a] is not null))
            {
                context.Report(bucket, path, rule,
                    $"lifecycle rule {LifecycleRules.Name(context, path, rule)} of bucket {bucket.LogicalId} has no action; S3 rejects it. Add an expiration, transition or AbortIncompleteMultipartUpload.");
            }
        }
    }
}
