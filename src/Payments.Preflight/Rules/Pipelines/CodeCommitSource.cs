using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Pipelines;

internal sealed class CodeCommitSource : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.CodeCommitSource, Severity.Warning,
        "CodeCommit repositories and sources (account-dependent availability)",
        "AWS closed CodeCommit to new customers on 2024-07-25: from then, an account without an existing repository (in it or its organization) was refused with \"CreateRepository request is not allowed because there is no existing repository in this AWS account or AWS Organization\". AWS announced CodeCommit's return to general availability in November 2025, and its own samples create repositories again. Whether creation works depends on the account and the date, which a template does not show: a warning, never an error.",
        "Check that the target accounts can create CodeCommit repositories, or use an S3 source (`S3SourceAction`) or a CodeStar connection to GitHub/GitLab/Bitbucket.",
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
                $"{repository.LogicalId} creates a CodeCommit repository; CodeCommit was closed to new customers on 2024-07-25 (accounts without a repository were refused) until AWS announced its return in November 2025. Check that the target accounts can create one, or use S3 or a CodeStar connection.");
        }

        foreach (var (pipeline, path, typeId, owner, provider, _) in PipelineModel.Actions(context))
        {
            if (owner == "AWS" && provider == "CodeCommit")
            {
                context.Report(pipeline, path, typeId,
                    $"pipeline {pipeline.LogicalId} sources from CodeCommit, which was closed to new customers on 2024-07-25 until AWS announced its return in November 2025. Check that the target accounts have CodeCommit, or use an S3 source or a CodeStar connection.");
            }
        }
    }
}
