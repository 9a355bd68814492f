using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class SubscriptionDeliveryAccess : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.SubscriptionDeliveryAccess, Severity.Error,
        "SNS subscriptions must be allowed to deliver to their queue or function",
        "SNS delivers to an SQS subscription as `sns.amazonaws.com`: the queue policy must allow `sqs:SendMessage` (usually with `aws:SourceArn` = the topic) and an encrypted queue's key policy must let SNS use the key; a Lambda subscription needs a `AWS::Lambda::Permission` for `sns.amazonaws.com`. Otherwise every message to the subscription is dropped.",
        "Add a queue policy allowing `sns.amazonaws.com` `sqs:SendMessage` with `aws:SourceArn` = the topic ARN (CDK: `topic.AddSubscription(new SqsSubscription(queue))` adds it), and `kms:GenerateDataKey*`/`kms:Decrypt` for `sns.amazonaws.com` in the key policy.",
        "004",
        """
        Resources:
          Events:
            Type: AWS::SNS::Topic
          Inbox:
            Type: AWS::SQS::Queue
          Subscription:
            Type: AWS::SNS::Subscription
            Properties:
              TopicArn: !Ref Events
              Protocol: sqs
              Endpoint: !GetAtt Inbox.Arn
        """,
        """
        Resources:
          Events:
            Type: AWS::SNS::Topic
          Inbox:
            Type: AWS::SQS::Queue
          InboxPolicy:
            Type: AWS::SQS::QueuePolicy
            Properties:
              Queues: [ !Ref Inbox ]
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: sns.amazonaws.com }
                    Action: sqs:SendMessage
                    Resource: !GetAtt Inbox.Arn
                    Condition: { ArnEquals: { aws:SourceArn: !Ref Events } }
          Subscription:
            Type: AWS::SNS::Subscription
            Properties:
              TopicArn: !Ref Events
              Protocol: sqs
              Endpoint: !GetAtt Inbox.Arn
        """);

    public override void Check(RuleContext context)
    {
        var sns = Caller.Service("sns.amazonaws.com");
        foreach (var subscription in context.Template.OfType("AWS::SNS::Subscription"))
        {
            Check(context, sns, subscription, "Properties/Endpoint", subscription.Property("Protocol"), subscription.Property("Endpoint"), context.Symbols.Resolve(subscription.Property("TopicArn")));
        }

        foreach (var topic in context.Template.OfType("AWS::SNS::Topic"))
        {
            var inline = Engine.Resolver.Items(topic.Property("Subscription"));
            for (var i = 0; i < inline.Count; i++)
            {
                if (inline[i] is MappingNode item)
                {
                    Check(context, sns, topic, $"Properties/Subscription/{i}/Endpoint", item["Protocol"], item["Endpoint"], context.Symbols.Arn(topic));
                }
            }
        }
    }

    private static void Check(RuleContext context, Caller sns, Resource at, string path, Node? protocolNode, Node? endpointNode, Sym? topicArn)
    {
        var protocol = context.Symbols.Resolve(protocolNode)?.Literal;
        if (protocol is not ("sqs" or "lambda") || context.Symbols.Resolve(endpointNode) is not { } endpoint)
        {
            return;
        }

        FlowCheck.Require(context, at, path, endpointNode,
            FlowCheck.Deliver(context, sns, endpoint, FlowCheck.OnBehalfOf(context, topicArn)),
            "SNS drops every message to this subscription",
            protocol == "sqs"
                ? "allow sns.amazonaws.com sqs:SendMessage in the queue policy (aws:SourceArn = the topic) and let it use the queue's KMS key"
                : "add a AWS::Lambda::Permission for sns.amazonaws.com with SourceArn = the topic");
    }
}
