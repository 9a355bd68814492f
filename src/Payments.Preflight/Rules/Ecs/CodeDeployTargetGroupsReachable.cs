using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal sealed class CodeDeployTargetGroupsReachable : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.CodeDeployTargetGroupsReachable, Severity.Error,
        "Both target groups of an ECS deployment group must be reachable from its listeners",
        "A CodeDeploy ECS deployment group names a blue and a green target group and the prod (and optional test) listeners. A target group that no listener of the group forwards to is not associated with a load balancer, and CodeDeploy fails the deployment (\"target group … does not have an associated load balancer\", aws-cdk #34290).",
        "Forward the green target group from the test listener (and the blue one from the prod listener), in the listener's default action or a listener rule.",
        "002",
        """
        Resources:
          Blue:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: { Port: 8080, Protocol: HTTP, TargetType: ip }
          Green:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: { Port: 8080, Protocol: HTTP, TargetType: ip }
          Prod:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              Port: 80
              Protocol: HTTP
              LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lb/1
              DefaultActions:
                - Type: forward
                  TargetGroupArn: !Ref Blue
          Group:
            Type: AWS::CodeDeploy::DeploymentGroup
            Properties:
              ApplicationName: payments
              ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
              LoadBalancerInfo:
                TargetGroupPairInfoList:
                  - TargetGroups:
                      - Name: !GetAtt Blue.TargetGroupName
                      - Name: !GetAtt Green.TargetGroupName
                    ProdTrafficRoute:
                      ListenerArns: [ !Ref Prod ]
        """,
        """
        Resources:
          Blue:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: { Port: 8080, Protocol: HTTP, TargetType: ip }
          Green:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: { Port: 8080, Protocol: HTTP, TargetType: ip }
          Prod:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              Port: 80
              Protocol: HTTP
              LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lb/1
              DefaultActions:
                - Type: forward
                  TargetGroupArn: !Ref Blue
          Test:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              Port: 8080
              Protocol: HTTP
              LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lb/1
              DefaultActions:
                - Type: forward
                  ForwardConfig:
                    TargetGroups:
                      - TargetGroupArn: !Ref Green
          Group:
            Type: AWS::CodeDeploy::DeploymentGroup
            Properties:
              ApplicationName: payments
              ServiceRoleArn: arn:aws:iam::123456789012:role/codedeploy
              LoadBalancerInfo:
                TargetGroupPairInfoList:
                  - TargetGroups:
                      - Name: !GetAtt Blue.TargetGroupName
                      - Name: !GetAtt Green.TargetGroupName
                    ProdTrafficRoute:
                      ListenerArns: [ !Ref Prod ]
                    TestTrafficRoute:
                      ListenerArns: [ !Ref Test ]
        """);

    public override void Check(RuleContext context)
    {
        foreach (var group in context.Template.OfType("AWS::CodeDeploy::DeploymentGroup"))
        {
            if (group.Property("LoadBalancerInfo") is not MappingNode info)
            {
                continue;
            }

            foreach (var pair in Resolver.Items(info["TargetGroupPairInfoList"]).OfType<MappingNode>())
            {
                var listeners = new List<Resource>();
                var allListenersKnown = true;
                foreach (var route in new[] { "ProdTrafficRoute", "TestTrafficRoute" })
                {
                    foreach (var arn in Resolver.Items((pair[route] as MappingNode)?["ListenerArns"]))
                    {
                        if (context.Resolve.ResourceOf(arn) is { Type: "AWS::ElasticLoadBalancingV2::Listener" } listener)
                        {
                            listeners.Add(listener);
                        }
                        else
                        {
                            allListenersKnown = false;
                        }
                    }
                }

                if (!allListenersKnown || listeners.Count == 0)
                {
                    continue;
                }

                var forwarded = new HashSet<string>(StringComparer.Ordinal);
                foreach (var listener in listeners)
                {
                    var (targetGroups, complete) = ListenerModel.ForwardedTargetGroups(context, listener);
                    forwarded.UnionWith(targetGroups);
                    allListenersKnown &= complete;
                }

                if (!allListenersKnown)
                {
                    continue;
                }

                foreach (var entry in Resolver.Items(pair["TargetGroups"]).OfType<MappingNode>())
                {
                    var targetGroup = ListenerModel.FindTargetGroup(context, entry["Name"]);
                    if (targetGroup is null || forwarded.Contains(targetGroup.LogicalId))
                    {
                        continue;
                    }

                    var hasTest = pair["TestTrafficRoute"] is not null;
                    context.Report(group, "Properties/LoadBalancerInfo/TargetGroupPairInfoList", entry["Name"] ?? entry,
                        $"target group {targetGroup.LogicalId} of deployment group {group.LogicalId} is not forwarded by any of its listeners ({string.Join(", ", listeners.Select(l => l.LogicalId))}); CodeDeploy will fail. "
                        + (hasTest ? "Forward it from the test listener." : "Add a TestTrafficRoute listener that forwards to it."));
                }
            }
        }
    }
}
