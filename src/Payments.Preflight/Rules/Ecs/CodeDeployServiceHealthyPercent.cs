using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal sealed class CodeDeployServiceHealthyPercent : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.CodeDeployServiceHealthyPercent, Severity.Warning,
        "Minimum/maximum healthy percent are ignored on a CODE_DEPLOY service",
        "With the CODE_DEPLOY controller, CodeDeploy decides how traffic and tasks shift; `MinimumHealthyPercent` and `MaximumPercent` do not control the deployment, so values set there give a false sense of safety (CDK 2.160 emits 50/200 by default).",
        "Remove them (CDK: `cfnService.AddPropertyDeletionOverride(\"DeploymentConfiguration.MinimumHealthyPercent\")` and `...MaximumPercent`) and configure the shift in the CodeDeploy deployment configuration.",
        "002",
        """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              DeploymentController:
                Type: CODE_DEPLOY
              DeploymentConfiguration:
                MinimumHealthyPercent: 100
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
            if (EcsModel.ExternalController(context, service) is not "CODE_DEPLOY" || service.Property("DeploymentConfiguration") is not MappingNode configuration)
            {
                continue;
            }

            foreach (var key in new[] { "MinimumHealthyPercent", "MaximumPercent" })
            {
                if (configuration[key] is { } value)
                {
                    context.Report(service, $"Properties/DeploymentConfiguration/{key}", value,
                        $"service {service.LogicalId} uses the CODE_DEPLOY controller; {key} is ignored there (CodeDeploy controls the shift). Remove it and set the traffic shift in the CodeDeploy deployment configuration.");
                }
            }
        }
    }
}
