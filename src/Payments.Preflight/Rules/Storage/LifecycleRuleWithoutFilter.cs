using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Storage;

internal sealed class LifecycleRuleWithoutFilter : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LifecycleRuleWithoutFilter, Severity.Info,
        "S3 lifecycle rule without a filter applies to every object",
        "A lifecycle rule that expires or transitions current objects without `Prefix`, `TagFilters` or an object-size filter applies to the whole bucket. Tools that require an explicit filter (Terraform's AWS provider 5, seed 003) reject it; in CloudFormation it is valid but often deletes more than intended.",
        "Add a `Prefix` (or `Prefix: \"\"` to state that the whole bucket is meant) or `TagFilters`.",
        "003",
        """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            DeletionPolicy: Retain
            Properties:
              LifecycleConfiguration:
                Rules:
                  - Id: expire
                    Status: Enabled
                    ExpirationInDays: 30
        """,
        """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            DeletionPolicy: Retain
            Properties:
              LifecycleConfiguration:
                Rules:
                  - Id: expire
                    Status: Enabled
                    Prefix: tmp/
                    ExpirationInDays: 30
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (bucket, path, rule) in LifecycleRules.Rules(context))
        {
            // Only rules that expire or move current objects can delete more than intended; aborting uploads or
            // cleaning old versions bucket-wide is what such rules are for.
            if (!LifecycleRules.Filters.Any(f => rule[f] is not null) && LifecycleRules.CurrentObjectActions.Any(a => rule[a] is not null))
            {
                context.Report(bucket, path, rule,
                    $"lifecycle rule {LifecycleRules.Name(context, path, rule)} of bucket {bucket.LogicalId} has no filter and applies to every object; add a Prefix or TagFilters (Prefix: \"\" if the whole bucket is meant).");
            }
        }
    }
}
