using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Network;

internal sealed class ProductionHttpListenerRedirect : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.ProductionHttpListenerRedirect, Severity.Warning,
        "Production HTTP listener that does not redirect to HTTPS",
        "In production, an internet-facing plain-HTTP listener that forwards traffic serves payment requests unencrypted. Only a redirect to HTTPS belongs on port 80. (CodeDeploy test listeners and internal load balancers are not reported.)",
        "Make the HTTP listener's default action `redirect` to HTTPS (CDK: `alb.AddRedirect()`), and serve traffic on an HTTPS listener.",
        "003",
        """
        Resources:
          LoadBalancer:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties:
              Scheme: internet-facing
              Subnets: [ subnet-1, subnet-2 ]
          Listener:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              LoadBalancerArn: !Ref LoadBalancer
              Port: 80
              Protocol: HTTP
              DefaultActions:
                - Type: forward
                  TargetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue/0123456789abcdef
        """,
        """
        Resources:
          LoadBalancer:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties:
              Scheme: internet-facing
              Subnets: [ subnet-1, subnet-2 ]
          Listener:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              LoadBalancerArn: !Ref LoadBalancer
              Port: 80
              Protocol: HTTP
              DefaultActions:
                - Type: redirect
                  RedirectConfig: { Protocol: HTTPS, Port: "443", StatusCode: HTTP_301 }
        """,
        "prod");

    public override void Check(RuleContext context)
    {
        if (context.Environment.IsProduction != true)
        {
            return;
        }

        var testListeners = context.Template.OfType("AWS::CodeDeploy::DeploymentGroup")
            .SelectMany(g => Resolver.Items(((g.Property("LoadBalancerInfo") as MappingNode)?["TargetGroupPairInfoList"])))
            .OfType<MappingNode>()
            .SelectMany(p => Resolver.Items((p["TestTrafficRoute"] as MappingNode)?["ListenerArns"]))
            .Select(context.Resolve.ResourceTarget)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        foreach (var listener in context.Template.OfType("AWS::ElasticLoadBalancingV2::Listener"))
        {
            if (context.Resolve.String(listener.Property("Protocol")) != "HTTP" || testListeners.Contains(listener.LogicalId))
            {
                continue;
            }

            var loadBalancer = context.Resolve.ResourceOf(listener.Property("LoadBalancerArn"));
            if (loadBalancer is null || context.Resolve.String(loadBalancer.Property("Scheme")) == "internal")
            {
                continue;
            }

            var actions = Resolver.Items(listener.Property("DefaultActions")).OfType<MappingNode>().Select(a => context.Resolve.String(a["Type"])).ToList();
            if (actions.Count > 0 && actions.All(a => a is not null) && !actions.Contains("redirect"))
            {
                context.Report(listener, "Properties/DefaultActions", listener.Property("DefaultActions"),
                    $"production HTTP listener {listener.LogicalId} on internet-facing {loadBalancer.LogicalId} serves traffic unencrypted ({string.Join(", ", actions)}); redirect it to HTTPS.");
            }
        }
    }
}
