using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class EventTargetAccess : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.EventTargetAccess, Severity.Error,
        "EventBridge rule targets must admit EventBridge",
        "EventBridge delivers to SNS, SQS and Lambda targets as `events.amazonaws.com`, judged by the target's resource policy: the topic policy (SNS's default policy does not admit EventBridge), the queue policy, a `AWS::Lambda::Permission` — and by the key policy of an encrypted topic or queue. Targets given a `RoleArn` (CodePipeline, CodeBuild, Step Functions) are called with that role, which EventBridge must be trusted to assume. A refused delivery fails silently (FailedInvocations): the event is lost.",
        "Allow `events.amazonaws.com` in the topic/queue policy with `aws:SourceArn` = the rule's ARN (CDK: `rule.AddTarget(new SnsTopic(topic))` adds it), add a `AWS::Lambda::Permission` for a function, let the service use the key of an encrypted target, and grant a target role the start action.",
        "000, 004",
        """
        Resources:
          Releases:
            Type: AWS::SNS::Topic
          Failed:
            Type: AWS::Events::Rule
            Properties:
              EventPattern:
                source: [ aws.codepipeline ]
                detail-type: [ CodePipeline Pipeline Execution State Change ]
              Targets:
                - Id: releases
                  Arn: !Ref Releases
        """,
        """
        Resources:
          Releases:
            Type: AWS::SNS::Topic
          ReleasesPolicy:
            Type: AWS::SNS::TopicPolicy
            Properties:
              Topics: [ !Ref Releases ]
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: events.amazonaws.com }
                    Action: sns:Publish
                    Resource: !Ref Releases
          Failed:
            Type: AWS::Events::Rule
            Properties:
              EventPattern:
                source: [ aws.codepipeline ]
                detail-type: [ CodePipeline Pipeline Execution State Change ]
              Targets:
                - Id: releases
                  Arn: !Ref Releases
        """);

    public override void Check(RuleContext context)
    {
        var events = Caller.Service("events.amazonaws.com");
        foreach (var rule in context.Template.OfType("AWS::Events::Rule"))
        {
            var ruleArn = context.Symbols.Arn(rule);
            var targets = Engine.Resolver.Items(rule.Property("Targets"));
            for (var i = 0; i < targets.Count; i++)
            {
                if (targets[i] is not MappingNode target || context.Symbols.Resolve(target["Arn"]) is not { } destination)
                {
                    continue;
                }

                var path = $"Properties/Targets/{i}/Arn";
                if (target["RoleArn"] is { } roleNode)
                {
                    if (context.Access.Role(context.Template, roleNode) is { } role && StartAction(destination) is { } action)
                    {
                        FlowCheck.Require(context, rule, path, target["Arn"],
                            [FlowCheck.AssumeRole(context, role, "events.amazonaws.com"),
                             (FlowCheck.Request(role.Caller, action, destination, FlowCheck.Direct(context, role.Caller)), context.Access.TargetOf(destination, kms: false))],
                            "the rule's invocations fail (FailedInvocations) and the events are lost",
                            $"let events.amazonaws.com assume the target role and grant it {action} on the target");
                    }

                    continue;
                }

                FlowCheck.Require(context, rule, path, target["Arn"],
                    FlowCheck.Deliver(context, events, destination, FlowCheck.OnBehalfOf(context, ruleArn)),
                    "the rule's deliveries fail (FailedInvocations) and the events are lost",
                    "allow events.amazonaws.com in the target's resource policy with aws:SourceArn = the rule's ARN (a Lambda::Permission for a function) and let it use the target's KMS key");
            }
        }
    }

    private static string? StartAction(Sym arn) => arn switch
    {
        _ when arn.StartsWith("arn:aws:codepipeline:") => "codepipeline:StartPipelineExecution",
        _ when arn.StartsWith("arn:aws:codebuild:") => "codebuild:StartBuild",
        _ when arn.StartsWith("arn:aws:states:") => "states:StartExecution",
        _ => null,
    };
}
