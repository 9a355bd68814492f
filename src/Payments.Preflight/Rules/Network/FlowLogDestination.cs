using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Network;

internal sealed class FlowLogDestination : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.FlowLogDestination, Severity.Error,
        "VPC flow log destination properties must agree",
        "`AWS::EC2::FlowLog` needs destination properties that fit `LogDestinationType`: for `cloud-watch-logs` (the default) a log group (`LogGroupName` or a log-group ARN in `LogDestination`) and `DeliverLogsPermissionArn`; for `s3` a bucket ARN in `LogDestination` and neither `LogGroupName` nor `DeliverLogsPermissionArn`; for `kinesis-data-firehose` a delivery-stream ARN. Mixed properties fail the flow log after the stack has started (e.g. \"DeliverLogsPermissionArn is not applicable for s3 delivery\", InvalidRequest), and a cloud-watch-logs flow log without a delivery role cannot publish.",
        "Pick one destination type and give exactly its properties.",
        "003",
        """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 30
          FlowLog:
            Type: AWS::EC2::FlowLog
            Properties:
              ResourceId: vpc-0123456789abcdef0
              ResourceType: VPC
              TrafficType: ALL
              LogDestination: !GetAtt Logs.Arn
        """,
        """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 30
          FlowLog:
            Type: AWS::EC2::FlowLog
            Properties:
              ResourceId: vpc-0123456789abcdef0
              ResourceType: VPC
              TrafficType: ALL
              LogDestinationType: cloud-watch-logs
              LogDestination: !GetAtt Logs.Arn
              DeliverLogsPermissionArn: arn:aws:iam::123456789012:role/flow-logs
        """);

    public override void Check(RuleContext context)
    {
        foreach (var flowLog in context.Template.OfType("AWS::EC2::FlowLog"))
        {
            var typeNode = flowLog.Property("LogDestinationType");
            var type = typeNode is null ? "cloud-watch-logs" : context.Resolve.String(typeNode);
            if (type is null)
            {
                continue;
            }

            var destination = flowLog.Property("LogDestination");
            var logGroupName = flowLog.Property("LogGroupName");
            var permission = flowLog.Property("DeliverLogsPermissionArn");

            // A property given by Fn::If may be present or AWS::NoValue depending on a condition: which properties
            // are set together cannot be told, so the rule stays silent rather than report a false error.
            if (new[] { destination, logGroupName, permission }.Any(node => node is MappingNode { IntrinsicName: "Fn::If" }))
            {
                continue;
            }

            var destinationKind = DestinationKind(context, destination);
            void Report(string path, Node? node, string problem) =>
                context.Report(flowLog, path, node ?? flowLog.Properties, $"flow log {flowLog.LogicalId} ({type}): {problem}; the flow log fails to create.");

            switch (type)
            {
                case "cloud-watch-logs":
                    if (destination is not null && logGroupName is not null)
                    {
                        Report("Properties/LogGroupName", logGroupName, "set LogGroupName or LogDestination, not both");
                    }
                    else if (destination is null && logGroupName is null)
                    {
                        Report("Properties", null, "needs a log group (LogGroupName or LogDestination)");
                    }
                    else if (destinationKind is { } kind && kind != "logs")
                    {
                        Report("Properties/LogDestination", destination, $"LogDestination is a {kind} ARN but the destination type is cloud-watch-logs");
                    }

                    if (permission is null)
                    {
                        Report("Properties", null, "needs DeliverLogsPermissionArn (a role vpc-flow-logs.amazonaws.com can assume) to publish to CloudWatch Logs");
                    }

                    break;
                case "s3":
                    if (destination is null)
                    {
                        Report("Properties", null, "needs LogDestination with the bucket ARN");
                    }
                    else if (destinationKind is { } kind && kind != "s3")
                    {
                        Report("Properties/LogDestination", destination, $"LogDestination is a {kind} ARN but the destination type is s3");
                    }

                    if (logGroupName is not null)
                    {
                        Report("Properties/LogGroupName", logGroupName, "LogGroupName cannot be used with the s3 destination type");
                    }

                    if (permission is not null)
                    {
                        Report("Properties/DeliverLogsPermissionArn", permission, "DeliverLogsPermissionArn cannot be used with the s3 destination type");
                    }

                    break;
                case "kinesis-data-firehose":
                    if (destination is null)
                    {
                        Report("Properties", null, "needs LogDestination with the Firehose delivery stream ARN");
                    }
                    else if (destinationKind is { } kind && kind != "firehose")
                    {
                        Report("Properties/LogDestination", destination, $"LogDestination is a {kind} ARN but the destination type is kinesis-data-firehose");
                    }

                    if (logGroupName is not null)
                    {
                        Report("Properties/LogGroupName", logGroupName, "LogGroupName cannot be used with the kinesis-data-firehose destination type");
                    }

                    break;
                default:
                    Report("Properties/LogDestinationType", typeNode, $"unknown LogDestinationType '{Excerpt.Of(type)}' (cloud-watch-logs, s3 or kinesis-data-firehose)");
                    break;
            }
        }
    }

    /// <summary>"logs", "s3" or "firehose" for what the destination points at; null when unknown.</summary>
    private static string? DestinationKind(RuleContext context, Node? destination)
    {
        if (destination is null)
        {
            return null;
        }

        switch (context.Resolve.ResourceOf(destination)?.Type)
        {
            case "AWS::Logs::LogGroup":
                return "logs";
            case "AWS::S3::Bucket":
                return "s3";
            case "AWS::KinesisFirehose::DeliveryStream":
                return "firehose";
        }

        var arn = context.Resolve.String(destination);
        return arn switch
        {
            null => null,
            _ when arn.Contains(":logs:", StringComparison.Ordinal) => "logs",
            _ when arn.Contains(":s3:::", StringComparison.Ordinal) => "s3",
            _ when arn.Contains(":firehose:", StringComparison.Ordinal) => "firehose",
            _ => null,
        };
    }
}
