using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal sealed class CodeDeployServiceLoadBalancers : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.CodeDeployServiceLoadBalancers, Severity.Error,
        "CODE_DEPLOY service must declare its initial LoadBalancers",
        "CodeDeploy blue/green swaps the service between two target groups, starting from the one the service was created with. A CODE_DEPLOY service without `LoadBalancers` cannot be blue/green deployed, and CDK's `AttachToApplicationTargetGroup` does not work with that controller, so the deployment group fails.",
        "Set the service's `LoadBalancers` (container name, container port, blue target group ARN) at the CloudFormation level (CDK: `cfnService.AddPropertyOverride(\"LoadBalancers\", ...)`).",
        "002",
        """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              DeploymentController:
                Type: CODE_DEPLOY
        """,
        """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              HealthCheckGracePeriodSeconds: 60
              DeploymentController:
                Type: CODE_DEPLOY
              LoadBalancers:
                - ContainerName: api
                  ContainerPort: 8080
                  TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue/0123456789abcdef
        """);

    public override void Check(RuleContext context)
    {
        foreach (var service in context.Template.OfType("AWS::ECS::Service"))
        {
            if (EcsModel.ExternalController(context, service) is not "CODE_DEPLOY")
            {
                continue;
            }

            var loadBalancers = service.Property("LoadBalancers");
            if (loadBalancers is null || loadBalancers is SequenceNode { Items.Count: 0 })
            {
                context.Report(service, "Properties", service.Properties,
                    $"service {service.LogicalId} uses the CODE_DEPLOY controller but declares no LoadBalancers; blue/green needs the initial (blue) target group on the service. Add LoadBalancers with the container name, port and blue target group.");
            }
        }
    }
}
