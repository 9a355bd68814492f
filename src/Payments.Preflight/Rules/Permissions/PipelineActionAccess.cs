using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class PipelineActionAccess : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.PipelineActionAccess, Severity.Error,
        "Each CodePipeline action's role must be allowed what the action does",
        "A pipeline action runs with its own role (or the pipeline's): a CodeDeployToECS action creates the deployment, reads the application, its revision and the group's deployment config, registers the task definition and passes the task roles to ECS; a manual approval publishes to its notification topic and must use the topic's KMS key; a CodeBuild action starts and reads builds. A refused call fails the release at that action (\"The provided role does not have sufficient permissions\"), typically on the first release into staging or prod.",
        "Grant the action role the calls its action makes (CDK's actions grant them when they know the real resources: import a deployment group with its deployment config, give an approval action's topic key to the role).",
        "001",
        """
        Resources:
          ActionRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
                    Action: sts:AssumeRole
              Policies:
                - PolicyName: start
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: codebuild:BatchGetBuilds
                        Resource: !GetAtt Build.Arn
          Build:
            Type: AWS::CodeBuild::Project
            Properties:
              Artifacts: { Type: CODEPIPELINE }
              Source: { Type: CODEPIPELINE }
              Environment: { Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL, Image: aws/codebuild/standard:7.0 }
              ServiceRole: !GetAtt ActionRole.Arn
          Pipeline:
            Type: AWS::CodePipeline::Pipeline
            Properties:
              RoleArn: !GetAtt ActionRole.Arn
              ArtifactStore: { Type: S3, Location: my-artifacts }
              Stages:
                - Name: Source
                  Actions:
                    - Name: Source
                      ActionTypeId: { Category: Source, Owner: AWS, Provider: S3, Version: "1" }
                      Configuration: { S3Bucket: my-artifacts, S3ObjectKey: source.zip }
                      OutputArtifacts: [ { Name: source } ]
                - Name: Build
                  Actions:
                    - Name: Test
                      ActionTypeId: { Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1" }
                      Configuration: { ProjectName: !Ref Build }
                      InputArtifacts: [ { Name: source } ]
                      RoleArn: !GetAtt ActionRole.Arn
        """,
        """
        Resources:
          ActionRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
                    Action: sts:AssumeRole
              Policies:
                - PolicyName: start
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: [ codebuild:BatchGetBuilds, codebuild:StartBuild ]
                        Resource: !GetAtt Build.Arn
          Build:
            Type: AWS::CodeBuild::Project
            Properties:
              Artifacts: { Type: CODEPIPELINE }
              Source: { Type: CODEPIPELINE }
              Environment: { Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL, Image: aws/codebuild/standard:7.0 }
              ServiceRole: !GetAtt ActionRole.Arn
          Pipeline:
            Type: AWS::CodePipeline::Pipeline
            Properties:
              RoleArn: !GetAtt ActionRole.Arn
              ArtifactStore: { Type: S3, Location: my-artifacts }
              Stages:
                - Name: Source
                  Actions:
                    - Name: Source
                      ActionTypeId: { Category: Source, Owner: AWS, Provider: S3, Version: "1" }
                      Configuration: { S3Bucket: my-artifacts, S3ObjectKey: source.zip }
                      OutputArtifacts: [ { Name: source } ]
                - Name: Build
                  Actions:
                    - Name: Test
                      ActionTypeId: { Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1" }
                      Configuration: { ProjectName: !Ref Build }
                      InputArtifacts: [ { Name: source } ]
                      RoleArn: !GetAtt ActionRole.Arn
        """);

    public override void Check(RuleContext context)
    {
        foreach (var pipeline in context.Template.OfType("AWS::CodePipeline::Pipeline"))
        {
            foreach (var action in PipelineActions.Of(context, pipeline))
            {
                if (action.Role is not { } role || action.Configuration is not { } configuration)
                {
                    continue;
                }

                var calls = action.Provider switch
                {
                    "CodeDeployToECS" => CodeDeployCalls(context, role, configuration),
                    "Manual" when context.Symbols.Resolve(configuration["NotificationArn"]) is { } topic => FlowCheck.Deliver(context, role.Caller, topic, FlowCheck.Direct(context, role.Caller)),
                    "CodeBuild" when context.Symbols.Resolve(configuration["ProjectName"]) is { } project =>
                        FlowCheck.Calls(role.Caller, ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                            Sym.Concat(Sym.Lit("arn:aws:codebuild:"), context.Symbols.Region, Sym.Lit(":"), context.Symbols.Account, Sym.Lit(":project/"), project),
                            Target.NoResourcePolicy, FlowCheck.Direct(context, role.Caller)).ToList(),
                    _ => [],
                };
                FlowCheck.Require(context, pipeline, action.Path, action.Action, calls,
                    $"the release fails at action '{Excerpt.Of(context.Symbols.Resolve(action.Action["Name"])?.Literal ?? "?")}'",
                    "grant the action's role the calls its action makes (for CodeDeployToECS import the deployment group with its deployment config; for an approval, the topic's KMS key)");
            }
        }
    }

    private static List<(AccessRequest, Target)> CodeDeployCalls(RuleContext context, RoleInfo role, MappingNode configuration)
    {
        var calls = new List<(AccessRequest, Target)>();
        if (context.Symbols.Resolve(configuration["ApplicationName"]) is not { } application || context.Symbols.Resolve(configuration["DeploymentGroupName"]) is not { } groupName)
        {
            return calls;
        }

        var direct = FlowCheck.Direct(context, role.Caller);
        var prefix = Sym.Concat(Sym.Lit("arn:aws:codedeploy:"), context.Symbols.Region, Sym.Lit(":"), context.Symbols.Account, Sym.Lit(":"));
        var groupArn = prefix + "deploymentgroup:" + application + "/" + groupName;
        var applicationArn = prefix + "application:" + application;
        calls.AddRange(FlowCheck.Calls(role.Caller, ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"], groupArn, Target.NoResourcePolicy, direct));
        calls.AddRange(FlowCheck.Calls(role.Caller, ["codedeploy:GetApplication", "codedeploy:GetApplicationRevision", "codedeploy:RegisterApplicationRevision"], applicationArn, Target.NoResourcePolicy, direct));
        calls.AddRange(FlowCheck.Calls(role.Caller, ["ecs:RegisterTaskDefinition"], Sym.Lit("*"), Target.NoResourcePolicy, direct));
        if (PipelineActions.DeploymentGroup(context, application, groupName) is not { } group)
        {
            return calls;
        }

        calls.AddRange(FlowCheck.Calls(role.Caller, ["codedeploy:GetDeploymentConfig"], PipelineActions.ConfigArn(context, group.Template, group.Group.Property("DeploymentConfigName")), Target.NoResourcePolicy, direct));
        foreach (var service in PipelineActions.Services(context, group.Template, group.Group))
        {
            if (PipelineActions.TaskOf(context, service.Template, service.Service) is not { } task)
            {
                continue;
            }

            foreach (var passed in new[] { task.Execution, task.TaskRole }.OfType<RoleInfo>())
            {
                var passContext = FlowCheck.Direct(context, role.Caller);
                passContext["iam:PassedToService"] = [Sym.Lit("ecs-tasks.amazonaws.com")];
                calls.Add((FlowCheck.Request(role.Caller, "iam:PassRole", passed.Arn, passContext), Target.NoResourcePolicy));
            }
        }

        return calls;
    }
}
