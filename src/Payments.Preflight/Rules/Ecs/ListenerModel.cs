using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal static class ListenerModel
{
    /// <summary>Logical IDs of target groups a listener forwards to, from its default actions and its listener rules.</summary>
    public static HashSet<string> ForwardedTargetGroups(RuleContext context, Resource listener)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        AddFromActions(context, listener.Property("DefaultActions"), result);
        foreach (var rule in context.Template.OfType("AWS::ElasticLoadBalancingV2::ListenerRule"))
        {
            if (context.Resolve.ResourceTarget(rule.Property("ListenerArn")) == listener.LogicalId)
            {
                AddFromActions(context, rule.Property("Actions"), result);
            }
        }

        return result;
    }

    private static void AddFromActions(RuleContext context, Node? actions, HashSet<string> result)
    {
        foreach (var action in Resolver.Items(actions).OfType<MappingNode>())
        {
            if (context.Resolve.ResourceTarget(action["TargetGroupArn"]) is { } direct)
            {
                result.Add(direct);
            }

            foreach (var weighted in Resolver.Items((action["ForwardConfig"] as MappingNode)?["TargetGroups"]).OfType<MappingNode>())
            {
                if (context.Resolve.ResourceTarget(weighted["TargetGroupArn"]) is { } target)
                {
                    result.Add(target);
                }
            }
        }
    }

    /// <summary>A target group named by GetAtt X.TargetGroupName, Ref, or a literal equal to its Name.</summary>
    public static Resource? FindTargetGroup(RuleContext context, Node? name)
    {
        if (name is null)
        {
            return null;
        }

        if (context.Resolve.ResourceOf(name) is { Type: "AWS::ElasticLoadBalancingV2::TargetGroup" } target)
        {
            return target;
        }

        var literal = context.Resolve.String(name);
        return literal is null ? null : context.Template.OfType("AWS::ElasticLoadBalancingV2::TargetGroup")
            .FirstOrDefault(t => string.Equals(context.Resolve.String(t.Property("Name")), literal, StringComparison.Ordinal));
    }
}
