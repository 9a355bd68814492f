using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal sealed class HealthCheckGracePeriod : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.HealthCheckGracePeriod, Severity.Warning,
        "Load-balanced service without a health-check grace period",
        "Without `HealthCheckGracePeriodSeconds`, the load balancer's health checks count from the moment a task starts. A service that needs a few seconds to warm up is killed before it is ready, in a loop, and the deployment never stabilizes.",
        "Set `HealthCheckGracePeriodSeconds` to the start-up time plus margin (e.g. 60).",
        "000",
        """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              LoadBalancers:
                - ContainerName: api
                  ContainerPort: 8080
                  TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue/0123456789abcdef
        """,
        """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              HealthCheckGracePeriodSeconds: 60
              LoadBalancers:
                - ContainerName: api
                  ContainerPort: 8080
                  TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue/0123456789abcdef
        """);

    public override void Check(RuleContext context)
    {
        foreach (var service in context.Template.OfType("AWS::ECS::Service"))
        {
            if (Resolver.Items(service.Property("LoadBalancers")).Count > 0 && service.Property("HealthCheckGracePeriodSeconds") is null)
            {
                context.Report(service, "Properties/LoadBalancers", service.Property("LoadBalancers"),
                    $"service {service.LogicalId} is behind a load balancer but sets no HealthCheckGracePeriodSeconds; tasks that start slowly are killed before they are ready. Set it (e.g. 60).");
            }
        }
    }
}
