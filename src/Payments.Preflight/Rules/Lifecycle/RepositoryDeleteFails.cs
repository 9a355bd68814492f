using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Lifecycle;

internal sealed class RepositoryDeleteFails : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.RepositoryDeleteFails, Severity.Warning,
        "ECR repository deleted with the stack without EmptyOnDelete",
        "CloudFormation cannot delete an ECR repository that still holds images unless `EmptyOnDelete` is true. Once the pipeline has pushed an image, the stack delete fails and leaves the repository behind; the next deploy then fails with \"already exists\".",
        "Set `EmptyOnDelete: true` (CDK: `EmptyOnDelete = true` with `RemovalPolicy.DESTROY`), or retain the repository deliberately.",
        "000",
        """
        Resources:
          Repository:
            Type: AWS::ECR::Repository
            DeletionPolicy: Delete
        """,
        """
        Resources:
          Repository:
            Type: AWS::ECR::Repository
            DeletionPolicy: Delete
            Properties:
              EmptyOnDelete: true
        """);

    public override void Check(RuleContext context)
    {
        foreach (var repository in context.Template.OfType("AWS::ECR::Repository"))
        {
            if (repository.KnownDeletionPolicy(whenAbsent: "Delete") != "Delete")
            {
                continue;
            }

            var emptyOnDelete = repository.Property("EmptyOnDelete");
            if (emptyOnDelete is null || context.Resolve.Boolean(emptyOnDelete) == false)
            {
                context.Report(repository, emptyOnDelete is null ? null : "Properties/EmptyOnDelete", emptyOnDelete ?? repository.Body["DeletionPolicy"] ?? repository.Body,
                    $"repository {repository.LogicalId} is deleted with the stack but EmptyOnDelete is not true; once it holds images the stack delete fails. Set EmptyOnDelete: true or retain it.");
            }
        }
    }
}
