using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class CodeDeployServiceRoleAccess : Rule
{
    private static readonly string[] EcsActions =
    [
        "ecs:DescribeServices", "ecs:CreateTaskSet", "ecs:UpdateServicePrimaryTaskSet", "ecs:DeleteTaskSet",
        "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:DescribeRules", "elasticloadbalancing:ModifyRule",
    ];

    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.CodeDeployServiceRoleAccess, Severity.Error,
        "CodeDeploy ECS deployment group role must hold the ECS/ELB rights",
        "CodeDeploy runs an ECS blue/green deployment with the group's `ServiceRoleArn` (PF202 checks that `codedeploy.amazonaws.com` may assume it): every deployment fails if the role may not describe the service, create/switch/delete task sets and modify the listeners (`AWSCodeDeployRoleForECS` holds them), read its rollback alarms (`cloudwatch:DescribeAlarms`) or publish to its trigger topics.",
        "Trust `codedeploy.amazonaws.com` in the role and attach `AWSCodeDeployRoleForECS` (CDK's `EcsDeploymentGroup` does both), plus `cloudwatch:DescribeAlarms` when the group has alarms.",
        "001",
        """
        Resources:
          DeployRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-tasks.amazonaws.com }
                    Action: sts:AssumeRole
          Application:
            Type: AWS::CodeDeploy::Application
            Properties:
              ComputePlatform: ECS
          Group:
            Type: AWS::CodeDeploy::DeploymentGroup
            Properties:
              ApplicationName: !Ref Application
              ServiceRoleArn: !GetAtt DeployRole.Arn
              DeploymentStyle: { DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL }
              ECSServices:
                - { ClusterName: payments, ServiceName: api }
        """,
        """
        Resources:
          DeployRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: codedeploy.amazonaws.com }
                    Action: sts:AssumeRole
              ManagedPolicyArns:
                - !Sub arn:${AWS::Partition}:iam::aws:policy/AWSCodeDeployRoleForECS
          Application:
            Type: AWS::CodeDeploy::Application
            Properties:
              ComputePlatform: ECS
          Group:
            Type: AWS::CodeDeploy::DeploymentGroup
            Properties:
              ApplicationName: !Ref Application
              ServiceRoleArn: !GetAtt DeployRole.Arn
              DeploymentStyle: { DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL }
              ECSServices:
                - { ClusterName: payments, ServiceName: api }
        """);

    public override void Check(RuleContext context)
    {
        foreach (var group in context.Template.OfType("AWS::CodeDeploy::DeploymentGroup"))
        {
            if (group.Property("ECSServices") is null || context.Access.Role(context.Template, group.Property("ServiceRoleArn")) is not { } role)
            {
                continue;
            }

            // Whether CodeDeploy may assume the role is PF202's (trust policies fit the role's use).
            var direct = FlowCheck.Direct(context, role.Caller);
            var calls = FlowCheck.Calls(role.Caller, EcsActions, Sym.Atom("ecs-or-elb-resource"), Target.NoResourcePolicy, direct).ToList();
            var alarms = group.Property("AlarmConfiguration") as MappingNode;
            if (alarms is not null && context.Symbols.Resolve(alarms["Enabled"])?.Literal?.ToUpperInvariant() == "TRUE")
            {
                calls.AddRange(FlowCheck.Calls(role.Caller, ["cloudwatch:DescribeAlarms"], Sym.Atom("alarm"), Target.NoResourcePolicy, direct));
            }

            FlowCheck.Require(context, group, "Properties/ServiceRoleArn", group.Property("ServiceRoleArn"), calls,
                "every blue/green deployment of the group fails",
                "attach AWSCodeDeployRoleForECS to the role (and cloudwatch:DescribeAlarms for rollback alarms)");
        }
    }
}
