using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Pipelines;

internal sealed class CodeCommitSource : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.CodeCommitSource, Severity.Error,
        "CodeCommit repositories and sources (closed to new accounts)",
        "AWS closed CodeCommit to new customers in July 2024: in an account without an existing repository, creating one fails with \"CreateRepository request is not allowed because there is no existing repository in this AWS account or AWS Organization\", and a pipeline cannot source from one.",
        "Use an S3 source (`S3SourceAction`) or a CodeStar connection to GitHub/GitLab/Bitbucket.",
        "001",
        """
        Resources:
          Repository:
            Type: AWS::CodeCommit::Repository
            Properties:
              RepositoryName: payments-dev
        """,
        """
        Resources:
          Sources:
            Type: AWS::S3::Bucket
            DeletionPolicy: Retain
            Properties:
              VersioningConfiguration:
                Status: Enabled
        """);

    public override void Check(RuleContext context)
    {
        foreach (var repository in context.Template.OfType("AWS::CodeCommit::Repository"))
        {
            context.Report(repository, null, repository.Body,
                $"{repository.LogicalId} creates a CodeCommit repository; CodeCommit is closed to new accounts and creation fails there. Use S3 or a CodeStar connection.");
        }

        foreach (var (pipeline, path, typeId, owner, provider, _) in PipelineModel.Actions(context))
        {
            if (owner == "AWS" && provider == "CodeCommit")
            {
                context.Report(pipeline, path, typeId,
                    $"pipeline {pipeline.LogicalId} sources from CodeCommit, which is closed to new accounts. Use an S3 source or a CodeStar connection.");
            }
        }
    }
}
