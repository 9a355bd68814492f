using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

/// <summary>Relationships between ECS, CodeDeploy and load-balancer resources shared by several rules.</summary>
internal static class EcsModel
{
    /// <summary>Services that a CodeDeploy ECS deployment group in this template targets.</summary>
    public static IEnumerable<(Resource Group, Resource Service, Node ServiceNode)> CodeDeployServices(RuleContext context)
    {
        foreach (var group in context.Template.OfType("AWS::CodeDeploy::DeploymentGroup"))
        {
            foreach (var entry in Resolver.Items(group.Property("ECSServices")))
            {
                if (entry is MappingNode map && map["ServiceName"] is { } serviceName && FindService(context, serviceName) is { } service)
                {
                    yield return (group, service, serviceName);
                }
            }
        }
    }

    /// <summary>Finds the service a ServiceName value points at: GetAtt X.Name, Ref X, or a literal matching a service's ServiceName.</summary>
    public static Resource? FindService(RuleContext context, Node serviceName)
    {
        if (context.Resolve.ResourceOf(serviceName) is { Type: "AWS::ECS::Service" } target)
        {
            return target;
        }

        var literal = context.Resolve.String(serviceName);
        return literal is null
            ? null
            : context.Template.OfType("AWS::ECS::Service").FirstOrDefault(s => string.Equals(context.Resolve.String(s.Property("ServiceName")), literal, StringComparison.Ordinal));
    }

    /// <summary>True when a service is deployed by something other than ECS itself.</summary>
    public static string? ExternalController(RuleContext context, Resource service)
    {
        var type = context.Resolve.String((service.Property("DeploymentController") as MappingNode)?["Type"]);
        return type is "CODE_DEPLOY" or "EXTERNAL" ? type : null;
    }
}

internal static class EcsTaskModel
{
    public static Resource? TaskDefinitionOf(RuleContext context, Resource service) =>
        context.Resolve.ResourceOf(service.Property("TaskDefinition")) is { Type: "AWS::ECS::TaskDefinition" } task ? task : null;

    public static IEnumerable<MappingNode> Containers(Resource task) =>
        Resolver.Items(task.Property("ContainerDefinitions")).OfType<MappingNode>();

    public static MappingNode? Container(RuleContext context, Resource task, string name) =>
        Containers(task).FirstOrDefault(c => string.Equals(context.Resolve.String(c["Name"]), name, StringComparison.Ordinal));

    /// <summary>The container ports a container maps; null when any mapping is unresolvable (unknown).</summary>
    public static HashSet<long>? ContainerPorts(RuleContext context, MappingNode container)
    {
        var ports = new HashSet<long>();
        if (container["PortMappings"] is { } mappings and not SequenceNode)
        {
            return null;
        }

        foreach (var mapping in Resolver.Items(container["PortMappings"]))
        {
            if (mapping is not MappingNode map || context.Resolve.Integer(map["ContainerPort"]) is not { } port)
            {
                return null;
            }

            ports.Add(port);
        }

        return ports;
    }
}
