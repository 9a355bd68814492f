using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Lifecycle;

internal sealed class RetainedFixedName : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.RetainedFixedName, Severity.Warning,
        "Retained resource with a fixed physical name",
        "A resource with `DeletionPolicy: Retain` survives the stack's deletion. If it also has a fixed name, recreating the stack (a failed first deploy rolled back, a torn-down test environment) fails with \"… already exists\" until someone deletes it by hand (seeds 001, 003, 004: leftover ECR repositories and buckets).",
        "Let CloudFormation generate the name, or make the name unique per deployment, or do not retain the resource.",
        "001, 003",
        """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            DeletionPolicy: Retain
            Properties:
              BucketName: payments-dev-statements
        """,
        """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            DeletionPolicy: Retain
        """);

    public override void Check(RuleContext context)
    {
        foreach (var resource in context.Template.Resources.Values)
        {
            if (resource.DeletionPolicy is not ("Retain" or "RetainExceptOnCreate"))
            {
                continue;
            }

            foreach (var (property, node, name) in PhysicalNames.FixedNames(context, resource))
            {
                context.Report(resource, $"Properties/{property}", node,
                    $"{resource.LogicalId} is retained on delete and named '{Excerpt.Of(name)}'; recreating the stack fails with \"already exists\" while the retained one remains. Drop the fixed name or the Retain policy.");
            }
        }
    }
}
