using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class AlarmNotificationAccess : Rule
{
    private static readonly string[] ActionLists = ["AlarmActions", "OKActions", "InsufficientDataActions"];

    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.AlarmNotificationAccess, Severity.Error,
        "CloudWatch alarm actions must be allowed to publish to their SNS topic",
        "A CloudWatch alarm publishes to its SNS topics as `cloudwatch.amazonaws.com`. SNS's default topic policy admits it, but an `AWS::SNS::TopicPolicy` replaces the default: if that policy (often a TLS-only deny plus an EventBridge allow) does not allow `cloudwatch.amazonaws.com`, every notification is dropped silently (the alarm shows \"Failed to execute action\"). A KMS-encrypted topic also needs the key policy to let `cloudwatch.amazonaws.com` use the key. Nobody hears about the alarm.",
        "Allow `cloudwatch.amazonaws.com` `sns:Publish` in the topic policy (scoped with `aws:SourceAccount`), and `kms:GenerateDataKey*`/`kms:Decrypt` in the key policy of an encrypted topic.",
        "000, 004",
        """
        Resources:
          Alerts:
            Type: AWS::SNS::Topic
          AlertsPolicy:
            Type: AWS::SNS::TopicPolicy
            Properties:
              Topics: [ !Ref Alerts ]
              PolicyDocument:
                Statement:
                  - Sid: TlsOnly
                    Effect: Deny
                    Principal: "*"
                    Action: sns:Publish
                    Resource: !Ref Alerts
                    Condition: { Bool: { aws:SecureTransport: "false" } }
          Errors:
            Type: AWS::CloudWatch::Alarm
            Properties:
              Namespace: AWS/ApplicationELB
              MetricName: HTTPCode_Target_5XX_Count
              Statistic: Sum
              Period: 60
              EvaluationPeriods: 1
              Threshold: 10
              ComparisonOperator: GreaterThanThreshold
              AlarmActions: [ !Ref Alerts ]
        """,
        """
        Resources:
          Alerts:
            Type: AWS::SNS::Topic
          AlertsPolicy:
            Type: AWS::SNS::TopicPolicy
            Properties:
              Topics: [ !Ref Alerts ]
              PolicyDocument:
                Statement:
                  - Sid: TlsOnly
                    Effect: Deny
                    Principal: "*"
                    Action: sns:Publish
                    Resource: !Ref Alerts
                    Condition: { Bool: { aws:SecureTransport: "false" } }
                  - Sid: CloudWatchAlarms
                    Effect: Allow
                    Principal: { Service: cloudwatch.amazonaws.com }
                    Action: sns:Publish
                    Resource: !Ref Alerts
                    Condition: { StringEquals: { aws:SourceAccount: !Ref AWS::AccountId } }
          Errors:
            Type: AWS::CloudWatch::Alarm
            Properties:
              Namespace: AWS/ApplicationELB
              MetricName: HTTPCode_Target_5XX_Count
              Statistic: Sum
              Period: 60
              EvaluationPeriods: 1
              Threshold: 10
              ComparisonOperator: GreaterThanThreshold
              AlarmActions: [ !Ref Alerts ]
        """);

    public override void Check(RuleContext context)
    {
        // One finding per topic (on its first alarm), naming the others: the fix is one statement, not one per alarm.
        var caller = Caller.Service("cloudwatch.amazonaws.com");
        var byTopic = new Dictionary<string, List<(Resource Alarm, string Path, Node Node, Sym Destination, Sym AlarmArn)>>(StringComparer.Ordinal);
        foreach (var alarm in context.Template.OfType("AWS::CloudWatch::Alarm").Concat(context.Template.OfType("AWS::CloudWatch::CompositeAlarm")))
        {
            foreach (var list in ActionLists)
            {
                var actions = Engine.Resolver.Items(alarm.Property(list));
                for (var i = 0; i < actions.Count; i++)
                {
                    if (context.Symbols.Resolve(actions[i]) is { } destination && IsTopic(context, destination))
                    {
                        var key = destination.ToString();
                        if (!byTopic.TryGetValue(key, out var uses))
                        {
                            byTopic[key] = uses = [];
                        }

                        if (uses.All(u => u.Alarm != alarm))
                        {
                            uses.Add((alarm, $"Properties/{list}/{i}", actions[i], destination, context.Symbols.Arn(alarm)));
                        }
                    }
                }
            }
        }

        foreach (var uses in byTopic.Values)
        {
            var (alarm, path, node, destination, alarmArn) = uses[0];
            var others = uses.Count > 1 ? $" ({uses.Count} alarms publish to it: {string.Join(", ", uses.Take(6).Select(u => u.Alarm.LogicalId))}{(uses.Count > 6 ? ", …" : string.Empty)})" : string.Empty;
            FlowCheck.Require(context, alarm, path, node,
                FlowCheck.Deliver(context, caller, destination, FlowCheck.OnBehalfOf(context, alarmArn)),
                "the alarm's notifications are dropped and nobody hears about it" + others,
                "allow cloudwatch.amazonaws.com sns:Publish in the topic policy (with aws:SourceAccount), and kms:GenerateDataKey*/kms:Decrypt in the key policy of an encrypted topic");
        }
    }

    private static bool IsTopic(RuleContext context, Sym destination) =>
        destination.StartsWith("arn:aws:sns:") || context.Access.Locate(destination, "AWS::SNS::Topic") is not null;
}
