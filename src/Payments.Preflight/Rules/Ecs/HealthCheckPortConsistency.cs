using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal sealed class HealthCheckPortConsistency : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.HealthCheckPortConsistency, Severity.Error,
        "Service, container and target-group ports must agree",
        "The service's `LoadBalancers` entry must name a container of its task definition and a port that container maps; in awsvpc mode (IP targets) a target group's explicit `HealthCheckPort` must be a port the container maps. Otherwise the service fails to create (\"container … did not have a container port …\") or every health check fails and the service never stabilizes (CREATE_IN_PROGRESS for hours, then rollback).",
        "Use the container's name and mapped port in `LoadBalancers`; leave `HealthCheckPort` as `traffic-port` or set it to a mapped port.",
        "000",
        """
        Resources:
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions:
                - Name: api
                  Image: nginx:alpine
                  PortMappings:
                    - ContainerPort: 80
          TargetGroup:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: { Port: 80, Protocol: HTTP, TargetType: ip, HealthCheckPort: "3000" }
          Service:
            Type: AWS::ECS::Service
            Properties:
              TaskDefinition: !Ref Task
              HealthCheckGracePeriodSeconds: 60
              LoadBalancers:
                - ContainerName: api
                  ContainerPort: 80
                  TargetGroupArn: !Ref TargetGroup
        """,
        """
        Resources:
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions:
                - Name: api
                  Image: nginx:alpine
                  PortMappings:
                    - ContainerPort: 80
          TargetGroup:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: { Port: 80, Protocol: HTTP, TargetType: ip, HealthCheckPort: traffic-port }
          Service:
            Type: AWS::ECS::Service
            Properties:
              TaskDefinition: !Ref Task
              HealthCheckGracePeriodSeconds: 60
              LoadBalancers:
                - ContainerName: api
                  ContainerPort: 80
                  TargetGroupArn: !Ref TargetGroup
        """);

    public override void Check(RuleContext context)
    {
        foreach (var service in context.Template.OfType("AWS::ECS::Service"))
        {
            if (EcsTaskModel.TaskDefinitionOf(context, service) is not { } task)
            {
                continue;
            }

            var entries = Resolver.Items(service.Property("LoadBalancers"));
            for (var i = 0; i < entries.Count; i++)
            {
                if (entries[i] is not MappingNode entry || context.Resolve.String(entry["ContainerName"]) is not { } containerName)
                {
                    continue;
                }

                var path = $"Properties/LoadBalancers/{i}";
                var container = EcsTaskModel.Container(context, task, containerName);
                if (container is null)
                {
                    if (EcsTaskModel.Containers(task).All(c => context.Resolve.String(c["Name"]) is not null))
                    {
                        context.Report(service, $"{path}/ContainerName", entry["ContainerName"],
                            $"service {service.LogicalId} sends load-balancer traffic to container '{Excerpt.Of(containerName)}', but task definition {task.LogicalId} has no container of that name ({string.Join(", ", EcsTaskModel.Containers(task).Select(c => context.Resolve.String(c["Name"])))}).");
                    }

                    continue;
                }

                var ports = EcsTaskModel.ContainerPorts(context, container);
                if (ports is null)
                {
                    continue;
                }

                var containerPort = context.Resolve.Integer(entry["ContainerPort"]);
                if (containerPort is { } port && !ports.Contains(port))
                {
                    context.Report(service, $"{path}/ContainerPort", entry["ContainerPort"],
                        $"service {service.LogicalId} sends traffic to port {port} of container '{Excerpt.Of(containerName)}', which maps only {Describe(ports)}; the service will fail to create. Map the port in the container or use a mapped one.");
                }

                // Only in awsvpc mode (IP targets) is the port the load balancer health-checks the container port itself;
                // in bridge mode it is the host port (often dynamic), which the container's PortMappings do not tell.
                if (context.Resolve.ResourceOf(entry["TargetGroupArn"]) is { Type: "AWS::ElasticLoadBalancingV2::TargetGroup" } targetGroup
                    && (string.Equals(context.Resolve.String(task.Property("NetworkMode")), "awsvpc", StringComparison.Ordinal)
                        || string.Equals(context.Resolve.String(targetGroup.Property("TargetType")), "ip", StringComparison.Ordinal))
                    && targetGroup.Property("HealthCheckPort") is { } healthPortNode
                    && context.Resolve.String(healthPortNode) is { } healthPortText
                    && long.TryParse(healthPortText, System.Globalization.CultureInfo.InvariantCulture, out var healthPort)
                    && !ports.Contains(healthPort))
                {
                    context.Report(targetGroup, "Properties/HealthCheckPort", healthPortNode,
                        $"target group {targetGroup.LogicalId} health-checks port {healthPort}, but container '{Excerpt.Of(containerName)}' of service {service.LogicalId} maps only {Describe(ports)}; every health check fails and the service never stabilizes. Use traffic-port or a mapped port.");
                }
            }
        }
    }

    private static string Describe(HashSet<long> ports) => ports.Count == 0 ? "no port" : "port " + string.Join(", ", ports.Order());
}
