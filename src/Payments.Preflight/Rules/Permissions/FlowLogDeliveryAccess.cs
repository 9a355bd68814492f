using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class FlowLogDeliveryAccess : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.FlowLogDeliveryAccess, Severity.Error,
        "VPC flow log delivery role must be allowed to write the log group",
        "A flow log to CloudWatch Logs publishes with its `DeliverLogsPermissionArn` role: `vpc-flow-logs.amazonaws.com` must be trusted to assume it and the role must be allowed `logs:CreateLogStream` and `logs:PutLogEvents` on the log group. Otherwise the flow log is created but stays in status \"Access error\" and records nothing — the network audit trail that seed 003's system relied on is empty.",
        "Trust `vpc-flow-logs.amazonaws.com` in the role and grant it `logs:CreateLogStream`, `logs:PutLogEvents` (and `logs:DescribeLogStreams`) on the log group (CDK: `new FlowLog(..., FlowLogDestination.ToCloudWatchLogs(group))` creates both).",
        "003",
        """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 30
          DeliveryRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: vpc-flow-logs.amazonaws.com }
                    Action: sts:AssumeRole
          FlowLog:
            Type: AWS::EC2::FlowLog
            Properties:
              ResourceId: vpc-0123456789abcdef0
              ResourceType: VPC
              TrafficType: ALL
              LogDestinationType: cloud-watch-logs
              LogGroupName: !Ref Logs
              DeliverLogsPermissionArn: !GetAtt DeliveryRole.Arn
        """,
        """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 30
          DeliveryRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: vpc-flow-logs.amazonaws.com }
                    Action: sts:AssumeRole
              Policies:
                - PolicyName: deliver
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: [ logs:CreateLogStream, logs:PutLogEvents, logs:DescribeLogStreams ]
                        Resource: !GetAtt Logs.Arn
          FlowLog:
            Type: AWS::EC2::FlowLog
            Properties:
              ResourceId: vpc-0123456789abcdef0
              ResourceType: VPC
              TrafficType: ALL
              LogDestinationType: cloud-watch-logs
              LogGroupName: !Ref Logs
              DeliverLogsPermissionArn: !GetAtt DeliveryRole.Arn
        """);

    public override void Check(RuleContext context)
    {
        foreach (var flowLog in context.Template.OfType("AWS::EC2::FlowLog"))
        {
            var type = flowLog.Property("LogDestinationType") is { } typeNode ? context.Symbols.Resolve(typeNode)?.Literal : "cloud-watch-logs";
            if (type != "cloud-watch-logs" || context.Access.Role(context.Template, flowLog.Property("DeliverLogsPermissionArn")) is not { } role)
            {
                continue;
            }

            Sym? group = null;
            if (context.Symbols.Resolve(flowLog.Property("LogGroupName")) is { } name)
            {
                group = name;
            }
            else if (context.Symbols.Resolve(flowLog.Property("LogDestination")) is { } arn && arn.Split(':') is { Count: >= 7 } parts && parts[5].Literal == "log-group")
            {
                group = parts[6];
            }

            if (group is null)
            {
                continue;
            }

            FlowCheck.Require(context, flowLog, "Properties/DeliverLogsPermissionArn", flowLog.Property("DeliverLogsPermissionArn"),
                [FlowCheck.AssumeRole(context, role, "vpc-flow-logs.amazonaws.com"),
                 .. FlowCheck.Calls(role.Caller, ["logs:CreateLogStream", "logs:PutLogEvents"], ArnShapes.LogStream(group, context.Symbols), Target.NoResourcePolicy, FlowCheck.Direct(context, role.Caller))],
                "the flow log stays in \"Access error\" and records nothing",
                "trust vpc-flow-logs.amazonaws.com in the role and grant logs:CreateLogStream, logs:PutLogEvents and logs:DescribeLogStreams on the log group");
        }
    }
}
