using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal sealed class CodeDeployServiceController : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.CodeDeployServiceController, Severity.Error,
        "ECS service in a CodeDeploy deployment group must use the CODE_DEPLOY controller",
        "A CodeDeploy ECS (blue/green) deployment group can only deploy to a service created with `DeploymentController: { Type: CODE_DEPLOY }`. Otherwise the deployment group fails: \"The ECS service associated with the deployment group must use the CODE_DEPLOY deployment controller type\". Switching the controller later replaces the service.",
        "Set `DeploymentController.Type: CODE_DEPLOY` on the service (CDK: `DeploymentController = new DeploymentController { Type = DeploymentControllerType.CODE_DEPLOY }`).",
        "002",
        """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              Cluster: payments
          Group:
            Type: AWS::CodeDeploy::DeploymentGroup
            Properties:
              ApplicationName: payments
              ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
              ECSServices:
                - ClusterName: payments
                  ServiceName: !GetAtt Service.Name
        """,
        """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              Cluster: payments
              DeploymentController:
                Type: CODE_DEPLOY
          Group:
            Type: AWS::CodeDeploy::DeploymentGroup
            Properties:
              ApplicationName: payments
              ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
              ECSServices:
                - ClusterName: payments
                  ServiceName: !GetAtt Service.Name
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (group, service, serviceNode) in EcsModel.CodeDeployServices(context))
        {
            var controller = context.Resolve.String((service.Property("DeploymentController") as MappingNode)?["Type"]);
            if (service.Property("DeploymentController") is not null && controller is null)
            {
                continue;
            }

            if (!string.Equals(controller, "CODE_DEPLOY", StringComparison.Ordinal))
            {
                context.Report(service, "Properties/DeploymentController", service.Property("DeploymentController") ?? service.Properties as Node ?? service.Body,
                    $"service {service.LogicalId} is deployed by CodeDeploy deployment group {group.LogicalId} (line {serviceNode.Line}) but uses the {controller ?? "ECS (default)"} deployment controller; the deployment group will fail to create. Set DeploymentController.Type to CODE_DEPLOY.");
            }
        }
    }
}
