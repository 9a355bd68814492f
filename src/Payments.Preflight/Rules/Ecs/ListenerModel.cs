using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal static class ListenerModel
{
    /// <summary>
    /// Logical IDs of target groups a listener forwards to, from its default actions and its listener rules.
    /// Complete is false when some action could forward elsewhere unseen (an Fn::If, a target group ARN from a
    /// parameter or import, a listener rule on an unresolvable listener): then "not forwarded" is unknown.
    /// </summary>
    public static (HashSet<string> TargetGroups, bool Complete) ForwardedTargetGroups(RuleContext context, Resource listener)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var complete = AddFromActions(context, listener.Property("DefaultActions"), result);
        foreach (var rule in context.Template.OfType("AWS::ElasticLoadBalancingV2::ListenerRule"))
        {
            var ruleListener = context.Resolve.ResourceTarget(rule.Property("ListenerArn"));
            if (ruleListener == listener.LogicalId)
            {
                complete &= AddFromActions(context, rule.Property("Actions"), result);
            }
            else if (ruleListener is null)
            {
                complete = false;
            }
        }

        return (result, complete);
    }

    private static bool AddFromActions(RuleContext context, Node? actions, HashSet<string> result)
    {
        if (actions is not null and not SequenceNode)
        {
            return false;
        }

        var complete = true;
        foreach (var item in Resolver.Items(actions))
        {
            if (item is not MappingNode { IntrinsicName: null } action)
            {
                complete = false;
                continue;
            }

            if (action["TargetGroupArn"] is { } direct)
            {
                complete &= Add(context.Resolve.ResourceTarget(direct), result);
            }

            if (action["ForwardConfig"] is { } forward)
            {
                var targetGroups = (forward as MappingNode)?["TargetGroups"];
                if (forward is not MappingNode { IntrinsicName: null } || targetGroups is not SequenceNode)
                {
                    complete = false;
                }

                foreach (var weighted in Resolver.Items(targetGroups))
                {
                    complete &= weighted is MappingNode { IntrinsicName: null } map && Add(context.Resolve.ResourceTarget(map["TargetGroupArn"]), result);
                }
            }
        }

        return complete;
    }

    private static bool Add(string? logicalId, HashSet<string> result)
    {
        if (logicalId is null)
        {
            return false;
        }

        result.Add(logicalId);
        return true;
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
