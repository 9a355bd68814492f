using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class LambdaCreationAccess : Rule
{
    private static readonly string[] EniActions = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"];

    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LambdaCreationAccess, Severity.Error,
        "Lambda functions, event sources and bucket notifications must have the access their creation checks",
        "Lambda and S3 check permissions when the resource is created: a function in a VPC needs its role to create, describe and delete network interfaces (\"The provided execution role does not have permissions to call CreateNetworkInterface on EC2\"); a dead-letter queue or topic needs send/publish rights; an event source mapping needs receive rights on its queue or stream (and its key); an S3 bucket notification needs the destination to admit `s3.amazonaws.com` (a `AWS::Lambda::Permission`, a queue or topic policy: \"Unable to validate the following destination configurations\"). Each fails the stack.",
        "Attach `AWSLambdaVPCAccessExecutionRole` (or the three ec2 actions) to a VPC function's role, grant send/publish on the dead-letter target, receive/delete/get-attributes on an SQS event source (the stream actions for Kinesis/DynamoDB), and add the permission or policy statement for `s3.amazonaws.com` with `aws:SourceArn` = the bucket.",
        "000, 004",
        """
        Resources:
          FunctionRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: lambda.amazonaws.com }
                    Action: sts:AssumeRole
              ManagedPolicyArns:
                - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: nodejs22.x
              Handler: index.handler
              Role: !GetAtt FunctionRole.Arn
              Code: { ZipFile: "exports.handler = async () => 'ok';" }
              VpcConfig:
                SubnetIds: [ subnet-0123456789abcdef0 ]
                SecurityGroupIds: [ sg-0123456789abcdef0 ]
        """,
        """
        Resources:
          FunctionRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: lambda.amazonaws.com }
                    Action: sts:AssumeRole
              ManagedPolicyArns:
                - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: nodejs22.x
              Handler: index.handler
              Role: !GetAtt FunctionRole.Arn
              Code: { ZipFile: "exports.handler = async () => 'ok';" }
              VpcConfig:
                SubnetIds: [ subnet-0123456789abcdef0 ]
                SecurityGroupIds: [ sg-0123456789abcdef0 ]
        """);

    public override void Check(RuleContext context)
    {
        foreach (var function in context.Template.OfType("AWS::Lambda::Function"))
        {
            if (context.Access.Role(context.Template, function.Property("Role")) is not { } role)
            {
                continue;
            }

            var direct = FlowCheck.Direct(context, role.Caller);
            if (function.Property("VpcConfig") is MappingNode vpc && Engine.Resolver.Items(vpc["SubnetIds"]).Count > 0)
            {
                FlowCheck.Require(context, function, "Properties/VpcConfig", vpc,
                    FlowCheck.Calls(role.Caller, EniActions, Sym.Atom("network-interface"), Target.NoResourcePolicy, direct),
                    "creating the function fails (the execution role cannot create network interfaces in the VPC)",
                    "attach AWSLambdaVPCAccessExecutionRole (or allow ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DeleteNetworkInterface) to the function's role");
            }

            if ((function.Property("DeadLetterConfig") as MappingNode)?["TargetArn"] is { } dlqNode && context.Symbols.Resolve(dlqNode) is { } dlq)
            {
                FlowCheck.Require(context, function, "Properties/DeadLetterConfig/TargetArn", dlqNode,
                    FlowCheck.Deliver(context, role.Caller, dlq, direct),
                    "creating the function fails (the execution role cannot send to its dead-letter target)",
                    "grant the function's role sqs:SendMessage / sns:Publish on the dead-letter target (and its key)");
            }
        }

        foreach (var mapping in context.Template.OfType("AWS::Lambda::EventSourceMapping"))
        {
            CheckEventSource(context, mapping);
        }

        foreach (var bucket in context.Template.OfType("AWS::S3::Bucket"))
        {
            CheckNotifications(context, bucket);
        }
    }

    private static void CheckEventSource(RuleContext context, Resource mapping)
    {
        if (context.Symbols.Resolve(mapping.Property("FunctionName")) is not { } functionValue
            || context.Access.Locate(functionValue, "AWS::Lambda::Function") is not { } function
            || context.Access.Role(function.Template, function.Resource.Property("Role")) is not { } role
            || context.Symbols.Resolve(mapping.Property("EventSourceArn")) is not { } source)
        {
            return;
        }

        string[] actions = source switch
        {
            _ when source.StartsWith("arn:aws:sqs:") => ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            _ when source.StartsWith("arn:aws:kinesis:") => ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListShards"],
            _ when source.StartsWith("arn:aws:dynamodb:") => ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"],
            _ => [],
        };
        if (actions.Length == 0)
        {
            return;
        }

        var located = context.Access.Locate(source, "AWS::SQS::Queue");
        var target = located is { } queue ? context.Access.TargetOf(queue.Template, queue.Resource) : context.Access.TargetOf(source, kms: false);
        var calls = FlowCheck.Calls(role.Caller, actions, source, target, FlowCheck.Direct(context, role.Caller)).ToList();
        if (located is { } encrypted && FlowCheck.KeyTarget(context, encrypted.Template, encrypted.Resource.Property("KmsMasterKeyId")) is { } key)
        {
            calls.AddRange(FlowCheck.Calls(role.Caller, ["kms:Decrypt"], key.Arn, key.Target, FlowCheck.Via(context, role.Caller, "sqs")));
        }

        FlowCheck.Require(context, mapping, "Properties/EventSourceArn", mapping.Property("EventSourceArn"), calls,
            "creating the event source mapping fails (the function's role cannot read its source)",
            $"grant the function's role {string.Join(", ", actions)} on the source (CDK: the event source's Grant… methods; plus kms:Decrypt on an encrypted queue's key)");
    }

    private static void CheckNotifications(RuleContext context, Resource bucket)
    {
        if (bucket.Property("NotificationConfiguration") is not MappingNode notifications)
        {
            return;
        }

        var s3 = Caller.Service("s3.amazonaws.com");
        var bucketArn = context.Symbols.Arn(bucket);
        foreach (var (list, key) in new[] { ("LambdaConfigurations", "Function"), ("QueueConfigurations", "Queue"), ("TopicConfigurations", "Topic") })
        {
            var items = Engine.Resolver.Items(notifications[list]);
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is MappingNode item && context.Symbols.Resolve(item[key]) is { } destination)
                {
                    FlowCheck.Require(context, bucket, $"Properties/NotificationConfiguration/{list}/{i}/{key}", item[key],
                        FlowCheck.Deliver(context, s3, destination, FlowCheck.OnBehalfOf(context, bucketArn)),
                        "creating the bucket notification fails (Unable to validate the following destination configurations)",
                        "admit s3.amazonaws.com with aws:SourceArn = the bucket in the destination (a AWS::Lambda::Permission, the queue or topic policy) and its KMS key");
                }
            }
        }
    }
}
