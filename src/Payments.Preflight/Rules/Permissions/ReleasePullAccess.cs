using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class ReleasePullAccess : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.ReleasePullAccess, Severity.Error,
        "Services a pipeline releases must be allowed to pull the images its build pushes",
        "A release points a service's task definition at an image the pipeline's build pushed (e.g. `payments-dev/api:<commit>`), usually in a repository other than the one the stack was first deployed from (CDK's asset repository). If the service's task execution role may not pull from that repository, the first release fails with CannotPullContainerError and blue/green rolls back. Links between a pipeline and its repositories and services come from the build roles' push rights, the deployment groups of CodeDeployToECS actions, and the pipeline's `Metadata.preflight.release` list (`[{ repository: <name|ARN|URI>, services: [<service name|ARN>] }]`); a repository is linked to the services of its own stack unless the metadata says otherwise. Where no link can be found the answer is unknown, not a finding.",
        "Grant every execution role of a released service pull on the repository its releases use (CDK: `repository.GrantPull(executionRole)`), always — not only when a release is configured.",
        "001",
        """
        Resources:
          Repository:
            Type: AWS::ECR::Repository
            Properties:
              RepositoryName: payments-dev/api
          ExecutionRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-tasks.amazonaws.com }
                    Action: sts:AssumeRole
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              RequiresCompatibilities: [ FARGATE ]
              Cpu: "256"
              Memory: "512"
              NetworkMode: awsvpc
              ExecutionRoleArn: !GetAtt ExecutionRole.Arn
              ContainerDefinitions:
                - Name: api
                  Image: public.ecr.aws/docker/library/nginx:1.27
          Service:
            Type: AWS::ECS::Service
            Properties:
              ServiceName: payments-dev-api
              Cluster: payments-dev
              TaskDefinition: !Ref Task
              DesiredCount: 1
              LaunchType: FARGATE
          Pipeline:
            Type: AWS::CodePipeline::Pipeline
            Metadata:
              preflight:
                release:
                  - repository: payments-dev/api
                    services: [ payments-dev-api ]
            Properties:
              RoleArn: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/pipeline
              ArtifactStore: { Type: S3, Location: my-artifacts }
              Stages:
                - Name: Source
                  Actions:
                    - Name: Source
                      ActionTypeId: { Category: Source, Owner: AWS, Provider: S3, Version: "1" }
                      Configuration: { S3Bucket: my-artifacts, S3ObjectKey: source.zip }
                      OutputArtifacts: [ { Name: source } ]
                - Name: Deploy
                  Actions:
                    - Name: Deploy
                      ActionTypeId: { Category: Deploy, Owner: AWS, Provider: ECS, Version: "1" }
                      Configuration: { ClusterName: payments-dev, ServiceName: payments-dev-api }
                      InputArtifacts: [ { Name: source } ]
        """,
        """
        Resources:
          Repository:
            Type: AWS::ECR::Repository
            Properties:
              RepositoryName: payments-dev/api
          ExecutionRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-tasks.amazonaws.com }
                    Action: sts:AssumeRole
              Policies:
                - PolicyName: pull
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: [ ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer, ecr:BatchGetImage ]
                        Resource: !GetAtt Repository.Arn
                      - Effect: Allow
                        Action: ecr:GetAuthorizationToken
                        Resource: "*"
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              RequiresCompatibilities: [ FARGATE ]
              Cpu: "256"
              Memory: "512"
              NetworkMode: awsvpc
              ExecutionRoleArn: !GetAtt ExecutionRole.Arn
              ContainerDefinitions:
                - Name: api
                  Image: public.ecr.aws/docker/library/nginx:1.27
          Service:
            Type: AWS::ECS::Service
            Properties:
              ServiceName: payments-dev-api
              Cluster: payments-dev
              TaskDefinition: !Ref Task
              DesiredCount: 1
              LaunchType: FARGATE
          Pipeline:
            Type: AWS::CodePipeline::Pipeline
            Metadata:
              preflight:
                release:
                  - repository: payments-dev/api
                    services: [ payments-dev-api ]
            Properties:
              RoleArn: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/pipeline
              ArtifactStore: { Type: S3, Location: my-artifacts }
              Stages:
                - Name: Source
                  Actions:
                    - Name: Source
                      ActionTypeId: { Category: Source, Owner: AWS, Provider: S3, Version: "1" }
                      Configuration: { S3Bucket: my-artifacts, S3ObjectKey: source.zip }
                      OutputArtifacts: [ { Name: source } ]
                - Name: Deploy
                  Actions:
                    - Name: Deploy
                      ActionTypeId: { Category: Deploy, Owner: AWS, Provider: ECS, Version: "1" }
                      Configuration: { ClusterName: payments-dev, ServiceName: payments-dev-api }
                      InputArtifacts: [ { Name: source } ]
        """);

    private sealed record Link(Template RepositoryTemplate, Resource Repository, Template ServiceTemplate, Resource Service, string How);

    public override void Check(RuleContext context)
    {
        foreach (var pipeline in context.Template.OfType("AWS::CodePipeline::Pipeline"))
        {
            var links = ExplicitLinks(context, pipeline);
            if (links.Count == 0)
            {
                links = InferredLinks(context, pipeline);
            }

            foreach (var link in links.DistinctBy(l => (l.Repository, l.Service)))
            {
                var serviceSymbols = context.Access.Resolver(link.ServiceTemplate);
                if (PipelineActions.TaskOf(context, link.ServiceTemplate, link.Service) is not { Execution: { } role })
                {
                    continue;
                }

                var repositoryArn = context.Access.Resolver(link.RepositoryTemplate).Arn(link.Repository);
                var target = context.Access.TargetOf(link.RepositoryTemplate, link.Repository);
                var direct = FlowCheck.Direct(context, role.Caller);
                FlowCheck.Require(context, pipeline, "Properties/Stages", pipeline.Property("Stages"),
                    [(FlowCheck.Request(role.Caller, "ecr:GetAuthorizationToken", Sym.Lit("*"), direct), Target.NoResourcePolicy),
                     .. FlowCheck.Calls(role.Caller, ArnShapes.PullActions, repositoryArn, target, direct)],
                    $"service {serviceSymbols.Name(link.Service)} ({link.ServiceTemplate.StackName ?? link.ServiceTemplate.Path}) cannot pull the images this pipeline releases into {link.Repository.LogicalId} ({link.How}): its first release fails with CannotPullContainerError and rolls back",
                    $"grant the service's execution role pull on the repository (CDK: repository.GrantPull(executionRole))");
            }
        }
    }

    /// <summary>The pipeline's own statement of its links: Metadata.preflight.release.</summary>
    private static List<Link> ExplicitLinks(RuleContext context, Resource pipeline)
    {
        var links = new List<Link>();
        var release = ((pipeline.Body["Metadata"] as MappingNode)?["preflight"] as MappingNode)?["release"];
        foreach (var entry in Engine.Resolver.Items(release))
        {
            if (entry is not MappingNode map || context.Symbols.Resolve(map["repository"]) is not { } repositoryValue)
            {
                continue;
            }

            var repository = context.Access.Locate(RepositoryKey(repositoryValue), "AWS::ECR::Repository");
            foreach (var serviceNode in Engine.Resolver.Items(map["services"]))
            {
                var service = context.Symbols.Resolve(serviceNode) is { } value ? context.Access.Locate(value, "AWS::ECS::Service") : null;
                if (repository is { } r && service is { } s)
                {
                    links.Add(new Link(r.Template, r.Resource, s.Template, s.Resource, "stated in the pipeline's metadata"));
                }
                else
                {
                    context.AccessChecks.Add(new AccessCheck(context.CurrentRule!.Id, context.Template.Path, "release link", "ecr:BatchGetImage",
                        $"{repositoryValue} → {(serviceNode as ScalarNode)?.Value ?? "?"}", "Unknown", "the repository or the service the metadata names is not in the templates"));
                }
            }
        }

        return links;
    }

    /// <summary>Links found without the metadata: repositories the build roles may push to, services the CodeDeploy actions deploy.</summary>
    private static List<Link> InferredLinks(RuleContext context, Resource pipeline)
    {
        var pushed = new List<(Template Template, Resource Repository)>();
        var deployed = new List<(Template Template, Resource Service)>();
        foreach (var action in PipelineActions.Of(context, pipeline))
        {
            if (action.Provider == "CodeBuild" && action.Configuration is { } configuration
                && context.Symbols.Resolve(configuration["ProjectName"]) is { } projectName
                && context.Access.Locate(projectName, "AWS::CodeBuild::Project") is { } project
                && context.Access.Role(project.Template, project.Resource.Property("ServiceRole")) is { } buildRole)
            {
                foreach (var template in context.Access.Templates)
                {
                    foreach (var repository in template.OfType("AWS::ECR::Repository"))
                    {
                        var arn = context.Access.Resolver(template).Arn(repository);
                        var push = FlowCheck.Request(buildRole.Caller, "ecr:PutImage", arn, FlowCheck.Direct(context, buildRole.Caller));
                        if (context.Access.Check(push, context.Access.TargetOf(template, repository)).Answer == Answer.Allowed)
                        {
                            pushed.Add((template, repository));
                        }
                    }
                }
            }

            if (action.Provider == "CodeDeployToECS" && action.Configuration is { } deploy
                && context.Symbols.Resolve(deploy["ApplicationName"]) is { } application && context.Symbols.Resolve(deploy["DeploymentGroupName"]) is { } groupName
                && PipelineActions.DeploymentGroup(context, application, groupName) is { } group)
            {
                deployed.AddRange(PipelineActions.Services(context, group.Template, group.Group));
            }
        }

        var links = new List<Link>();
        foreach (var service in deployed.Distinct())
        {
            var own = pushed.Where(p => p.Template == service.Template).Distinct().ToList();
            if (own.Count == 0)
            {
                context.AccessChecks.Add(new AccessCheck(context.CurrentRule!.Id, context.Template.Path, "release link", "ecr:BatchGetImage",
                    $"{service.Service.LogicalId} ({service.Template.StackName})", "Unknown", "no repository the pipeline pushes to is in the service's stack; state the link in Metadata.preflight.release"));
            }

            links.AddRange(own.Select(p => new Link(p.Template, p.Repository, service.Template, service.Service, "pushed by a build of the pipeline, same stack as the service")));
        }

        return links;
    }

    /// <summary>A repository named by URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME) is looked up by its ARN; names and ARNs as they are.</summary>
    private static Sym RepositoryKey(Sym value) => value.Split('/') is { Count: >= 2 } parts && parts[0].Split('.') is { Count: >= 3 } host && host[1].Literal == "dkr"
        ? ArnShapes.EcrRepositoryArn(value) ?? value
        : value;
}
