using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class TaskExecutionRoleAccess : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.TaskExecutionRoleAccess, Severity.Error,
        "ECS task execution role must be allowed to pull the image, read the secrets and write the logs",
        "ECS starts a task with its execution role: it pulls each container's image from ECR, reads every `Secrets` `valueFrom` (Secrets Manager or SSM Parameter Store, and decrypts it with the secret's KMS key) and writes the `awslogs` log group. A refused call stops the task before it runs: CannotPullContainerError, ResourceInitializationError (\"unable to pull secrets or registry auth\"). With blue/green the first release then rolls back. The rule evaluates the role's policies, the repository's, the secret's and the key's as AWS would.",
        "Grant the execution role pull on the repository (CDK: `repository.GrantPull(executionRole)`), `secretsmanager:GetSecretValue` on the secret and `kms:Decrypt` on its key (`secret.GrantRead(executionRole)`), and `logs:CreateLogStream`/`logs:PutLogEvents` on the log group.",
        "000, 001",
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
                - PolicyName: logs
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: [ logs:CreateLogStream, logs:PutLogEvents ]
                        Resource: !GetAtt Logs.Arn
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 30
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
                  Image: !Sub "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/payments-dev/api:1.0.0"
                  LogConfiguration:
                    LogDriver: awslogs
                    Options:
                      awslogs-group: !Ref Logs
                      awslogs-region: !Ref AWS::Region
                      awslogs-stream-prefix: api
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
                - PolicyName: logs
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: [ logs:CreateLogStream, logs:PutLogEvents ]
                        Resource: !GetAtt Logs.Arn
                      - Effect: Allow
                        Action: [ ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer, ecr:BatchGetImage ]
                        Resource: !GetAtt Repository.Arn
                      - Effect: Allow
                        Action: ecr:GetAuthorizationToken
                        Resource: "*"
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 30
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
                  Image: !Sub "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/payments-dev/api:1.0.0"
                  LogConfiguration:
                    LogDriver: awslogs
                    Options:
                      awslogs-group: !Ref Logs
                      awslogs-region: !Ref AWS::Region
                      awslogs-stream-prefix: api
        """);

    public override void Check(RuleContext context)
    {
        foreach (var task in context.Template.OfType("AWS::ECS::TaskDefinition"))
        {
            var roleNode = task.Property("ExecutionRoleArn");
            if (roleNode is null || context.Access.Role(context.Template, roleNode) is not { } role)
            {
                continue;
            }

            var containers = Engine.Resolver.Items(task.Property("ContainerDefinitions"));
            for (var i = 0; i < containers.Count; i++)
            {
                if (containers[i] is not MappingNode container)
                {
                    continue;
                }

                CheckImage(context, task, role, container, i);
                CheckSecrets(context, task, role, container, i);
                CheckLogs(context, task, role, container, i);
            }
        }
    }

    private static void CheckImage(RuleContext context, Resource task, RoleInfo role, MappingNode container, int index)
    {
        if (context.Symbols.Resolve(container["Image"]) is not { } image || ArnShapes.EcrRepositoryArn(image) is not { } repository)
        {
            return;
        }

        var target = context.Access.TargetOf(repository, kms: false, "AWS::ECR::Repository");
        var direct = FlowCheck.Direct(context, role.Caller);
        FlowCheck.Require(context, task, $"Properties/ContainerDefinitions/{index}/Image", container["Image"],
            [(FlowCheck.Request(role.Caller, "ecr:GetAuthorizationToken", Sym.Lit("*"), direct), Target.NoResourcePolicy),
             .. FlowCheck.Calls(role.Caller, ArnShapes.PullActions, repository, target, direct)],
            "the task cannot pull its image (CannotPullContainerError) and never starts",
            $"grant the execution role pull on the repository (CDK: repository.GrantPull(executionRole); or a repository policy allowing {role.Arn})");
    }

    private static void CheckSecrets(RuleContext context, Resource task, RoleInfo role, MappingNode container, int index)
    {
        var secrets = Engine.Resolver.Items(container["Secrets"]);
        for (var s = 0; s < secrets.Count; s++)
        {
            if (secrets[s] is not MappingNode secret || context.Symbols.Resolve(secret["ValueFrom"]) is not { } valueFrom)
            {
                continue;
            }

            var path = $"Properties/ContainerDefinitions/{index}/Secrets/{s}/ValueFrom";
            var direct = FlowCheck.Direct(context, role.Caller);
            if (ArnShapes.SecretArn(valueFrom) is { } secretArn)
            {
                var located = context.Access.Locate(secretArn, "AWS::SecretsManager::Secret");
                var target = located is { } found ? context.Access.TargetOf(found.Template, found.Resource) : Target.External(secretArn.ToString());
                var calls = FlowCheck.Calls(role.Caller, ["secretsmanager:GetSecretValue"], secretArn, target, direct).ToList();
                if (located is { } owner && FlowCheck.KeyTarget(context, owner.Resource.Property("KmsKeyId")) is { } key)
                {
                    calls.AddRange(FlowCheck.Calls(role.Caller, ["kms:Decrypt"], key.Arn, key.Target, FlowCheck.Via(context, role.Caller, "secretsmanager")));
                }

                FlowCheck.Require(context, task, path, secret["ValueFrom"], calls,
                    "the task cannot read its secret (ResourceInitializationError) and never starts",
                    "grant the execution role read on the secret and decrypt on its key (CDK: secret.GrantRead(executionRole))");
            }
            else if (ArnShapes.ParameterArn(valueFrom, context.Symbols) is { } parameterArn)
            {
                FlowCheck.Require(context, task, path, secret["ValueFrom"],
                    FlowCheck.Calls(role.Caller, ["ssm:GetParameters"], parameterArn, Target.NoResourcePolicy, direct),
                    "the task cannot read its parameter (ResourceInitializationError) and never starts",
                    "grant the execution role ssm:GetParameters on the parameter (CDK: parameter.GrantRead(executionRole))");
            }
        }
    }

    private static void CheckLogs(RuleContext context, Resource task, RoleInfo role, MappingNode container, int index)
    {
        if (container["LogConfiguration"] is not MappingNode logs || context.Symbols.Resolve(logs["LogDriver"])?.Literal != "awslogs"
            || logs["Options"] is not MappingNode options || context.Symbols.Resolve(options["awslogs-group"]) is not { } group)
        {
            return;
        }

        var direct = FlowCheck.Direct(context, role.Caller);
        var calls = FlowCheck.Calls(role.Caller, ["logs:CreateLogStream", "logs:PutLogEvents"], ArnShapes.LogStream(group, context.Symbols), Target.NoResourcePolicy, direct).ToList();
        if (context.Symbols.Resolve(options["awslogs-create-group"])?.Literal is { } create && create.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            calls.AddRange(FlowCheck.Calls(role.Caller, ["logs:CreateLogGroup"], ArnShapes.LogGroup(group, context.Symbols), Target.NoResourcePolicy, direct));
        }

        FlowCheck.Require(context, task, $"Properties/ContainerDefinitions/{index}/LogConfiguration", logs, calls,
            "the task cannot start its log driver (ResourceInitializationError) and never starts",
            "grant the execution role logs:CreateLogStream and logs:PutLogEvents on the log group (CDK: logGroup.GrantWrite(executionRole))");
    }
}
