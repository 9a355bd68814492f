using System.Text.RegularExpressions;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal sealed partial class ContainerHealthCheckPort : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        // A warning, not an error: a container can listen on a port it does not map (an admin or metrics port
        // such as Envoy's 9901 or Spring's management port), and the health check runs inside the container.
        RuleIds.ContainerHealthCheckPort, Severity.Warning,
        "Container health check must target a port the container exposes",
        "A container `HealthCheck` command that calls `localhost:<port>` on a port the container does not map usually checks nothing that listens: the container is marked unhealthy, ECS replaces it in a loop, and the deployment never stabilizes (or the circuit breaker rolls it back).",
        "Point the health-check command at the port in the container's `PortMappings` (e.g. `curl -f http://localhost:8080/healthz/live`). If the process really listens on an unmapped port (an admin or metrics port), suppress the finding with that reason.",
        "004",
        """
        Resources:
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions:
                - Name: api
                  Image: amazon/amazon-ecs-sample
                  PortMappings:
                    - ContainerPort: 80
                  HealthCheck:
                    Command: [ "CMD-SHELL", "curl -f http://localhost:3000/health || exit 1" ]
        """,
        """
        Resources:
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions:
                - Name: api
                  Image: amazon/amazon-ecs-sample
                  PortMappings:
                    - ContainerPort: 80
                  HealthCheck:
                    Command: [ "CMD-SHELL", "curl -f http://localhost/ || exit 1" ]
        """);

    public override void Check(RuleContext context)
    {
        foreach (var task in context.Template.OfType("AWS::ECS::TaskDefinition"))
        {
            var containers = Resolver.Items(task.Property("ContainerDefinitions"));
            for (var i = 0; i < containers.Count; i++)
            {
                if (containers[i] is not MappingNode container || container["HealthCheck"] is not MappingNode healthCheck)
                {
                    continue;
                }

                var ports = EcsTaskModel.ContainerPorts(context, container);
                if (ports is null || ports.Count == 0)
                {
                    continue;
                }

                var command = string.Join(' ', Resolver.Items(healthCheck["Command"]).Select(c => context.Resolve.String(c) ?? string.Empty));
                foreach (Match match in LocalUrl().Matches(command))
                {
                    long port = match.Groups["port"].Success
                        ? long.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture)
                        : string.Equals(match.Groups["scheme"].Value, "https", StringComparison.OrdinalIgnoreCase) ? 443 : match.Groups["scheme"].Success ? 80 : -1;
                    if (port >= 0 && !ports.Contains(port))
                    {
                        context.Report(task, $"Properties/ContainerDefinitions/{i}/HealthCheck/Command", healthCheck["Command"],
                            $"the health check of container '{Excerpt.Of(context.Resolve.String(container["Name"]) ?? string.Empty)}' calls port {port}, but the container maps only port {string.Join(", ", ports.Order())}; it will always be unhealthy. Check a mapped port.");
                        break;
                    }
                }
            }
        }
    }

    [GeneratedRegex(@"(?:(?<scheme>https?)://)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(?<port>\d{1,5}))?(?=[/\s'""]|$)", RegexOptions.IgnoreCase)]
    private static partial Regex LocalUrl();
}
