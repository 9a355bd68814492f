using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Pipelines;

internal sealed class GitHubVersion1Source : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.GitHubVersion1Source, Severity.Error,
        "GitHub version-1 source action (OAuth token, webhook)",
        "The GitHub version-1 action (`Owner: ThirdParty, Provider: GitHub`) authenticates with a personal OAuth token and registers a webhook through `AWS::CodePipeline::Webhook`. AWS no longer recommends it; a token without access to the repository fails the pipeline and the webhook registration (\"Not found [StatusCode: 404]\").",
        "Use a CodeStar connection (`Owner: AWS, Provider: CodeStarSourceConnection`, CDK `CodeStarConnectionsSourceAction`), or an S3 source.",
        "000",
        """
        Resources:
          Pipeline:
            Type: AWS::CodePipeline::Pipeline
            Properties:
              RoleArn: arn:aws:iam::123456789012:role/pipeline
              Stages:
                - Name: Source
                  Actions:
                    - Name: GitHub
                      ActionTypeId: { Category: Source, Owner: ThirdParty, Provider: GitHub, Version: "1" }
                      Configuration:
                        Owner: payments
                        Repo: payments
                        Branch: main
                        OAuthToken: "{{resolve:secretsmanager:github-token}}"
                      OutputArtifacts: [ { Name: Source } ]
        """,
        """
        Resources:
          Pipeline:
            Type: AWS::CodePipeline::Pipeline
            Properties:
              RoleArn: arn:aws:iam::123456789012:role/pipeline
              Stages:
                - Name: Source
                  Actions:
                    - Name: GitHub
                      ActionTypeId: { Category: Source, Owner: AWS, Provider: CodeStarSourceConnection, Version: "1" }
                      Configuration:
                        ConnectionArn: !Ref ConnectionArn
                        FullRepositoryId: payments/payments
                        BranchName: main
                      OutputArtifacts: [ { Name: Source } ]
        Parameters:
          ConnectionArn:
            Type: String
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (pipeline, path, typeId, owner, provider, _) in PipelineModel.Actions(context))
        {
            if (owner == "ThirdParty" && provider == "GitHub")
            {
                context.Report(pipeline, path, typeId,
                    $"pipeline {pipeline.LogicalId} uses the GitHub version-1 source action (OAuth token and webhook); token or webhook failures stop the pipeline. Use a CodeStar connection (CodeStarSourceConnection) or an S3 source.");
            }
        }

        foreach (var webhook in context.Template.OfType("AWS::CodePipeline::Webhook"))
        {
            if (context.Resolve.String(webhook.Property("Authentication")) is "GITHUB_HMAC")
            {
                context.Report(webhook, "Properties/Authentication", webhook.Property("Authentication"),
                    $"webhook {webhook.LogicalId} registers a GitHub version-1 webhook; registration fails (404) when the token lacks access. CodeStar connections need no webhook.");
            }
        }
    }
}
