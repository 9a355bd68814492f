using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal sealed class CodeDeployServiceDeploymentConfig : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.CodeDeployServiceDeploymentConfig, Severity.Error,
        "CODE_DEPLOY/EXTERNAL service must not set a deployment circuit breaker or deployment alarms",
        "The ECS deployment circuit breaker and ECS deployment alarms only work with the ECS (rolling) deployment controller. A service with the CODE_DEPLOY or EXTERNAL controller that sets them fails to create or update (\"Deployment circuit breaker is only supported for ECS deployment controller\").",
        "Remove `DeploymentConfiguration.DeploymentCircuitBreaker` and `DeploymentConfiguration.Alarms`; put rollback alarms on the CodeDeploy deployment group (`AlarmConfiguration` + `AutoRollbackConfiguration`) instead.",
        "002",
        """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              DeploymentController:
                Type: CODE_DEPLOY
              DeploymentConfiguration:
                DeploymentCircuitBreaker:
                  Enable: true
                  Rollback: true
        """,
        """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              DeploymentController:
                Type: CODE_DEPLOY
        """);

    public override void Check(RuleContext context)
    {
        foreach (var service in context.Template.OfType("AWS::ECS::Service"))
        {
            if (EcsModel.ExternalController(context, service) is not { } controller || service.Property("DeploymentConfiguration") is not MappingNode configuration)
            {
                continue;
            }

            if (configuration["DeploymentCircuitBreaker"] is MappingNode { IntrinsicName: null } breaker && context.Resolve.Boolean(breaker["Enable"]) == true)
            {
                context.Report(service, "Properties/DeploymentConfiguration/DeploymentCircuitBreaker", breaker,
                    $"service {service.LogicalId} uses the {controller} deployment controller, which rejects a deployment circuit breaker; remove DeploymentCircuitBreaker and roll back through the deployment group's alarms.");
            }

            if (configuration["Alarms"] is MappingNode { IntrinsicName: null } alarms && context.Resolve.Boolean(alarms["Enable"]) == true)
            {
                context.Report(service, "Properties/DeploymentConfiguration/Alarms", alarms,
                    $"service {service.LogicalId} uses the {controller} deployment controller, which rejects ECS deployment alarms; move the alarms to the CodeDeploy deployment group's AlarmConfiguration.");
            }
        }
    }
}
