using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Logs;

internal sealed class LogGroupKmsKeyPolicy : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LogGroupKmsKeyPolicy, Severity.Error,
        "Log group encrypted with a KMS key whose policy does not allow CloudWatch Logs",
        "CloudWatch Logs uses a KMS key only if the key policy allows the `logs.<region>.amazonaws.com` principal. Otherwise creating the log group fails: \"The specified KMS key does not exist or is not allowed to be used with LogGroup\". CDK's `LogGroup` with `EncryptionKey` does not add that grant.",
        "Add a key-policy statement allowing `logs.<region>.amazonaws.com` kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe* (CDK: `key.GrantEncryptDecrypt(new ServicePrincipal($\"logs.{region}.amazonaws.com\"))`).",
        "001, 004",
        """
        Resources:
          Key:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
                    Action: kms:*
                    Resource: "*"
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              KmsKeyId: !GetAtt Key.Arn
              RetentionInDays: 30
        """,
        """
        Resources:
          Key:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
                    Action: kms:*
                    Resource: "*"
                  - Effect: Allow
                    Principal: { Service: !Sub "logs.${AWS::Region}.amazonaws.com" }
                    Action: [ kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe* ]
                    Resource: "*"
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              KmsKeyId: !GetAtt Key.Arn
              RetentionInDays: 30
        """);

    public override void Check(RuleContext context)
    {
        foreach (var logGroup in context.Template.OfType("AWS::Logs::LogGroup"))
        {
            if (logGroup.Property("KmsKeyId") is not { } keyNode || context.Resolve.ResourceOf(keyNode) is not { Type: "AWS::KMS::Key" } key)
            {
                continue;
            }

            if (AllowsLogs(context, key) == false)
            {
                context.Report(logGroup, "Properties/KmsKeyId", keyNode,
                    $"log group {logGroup.LogicalId} is encrypted with key {key.LogicalId}, whose key policy does not allow the CloudWatch Logs principal (logs.<region>.amazonaws.com); creating the log group fails. Grant it in the key policy.");
            }
        }
    }

    /// <summary>True/false when the key policy clearly does or does not allow CloudWatch Logs; null when it cannot be told.</summary>
    private static bool? AllowsLogs(RuleContext context, Resource key)
    {
        if (key.Property("KeyPolicy") is not MappingNode policy)
        {
            // No policy: KMS's default allows only the account, which does not let CloudWatch Logs use the key.
            return key.Property("KeyPolicy") is null ? false : null;
        }

        var statements = policy["Statement"] switch
        {
            SequenceNode list => list.Items,
            MappingNode { IntrinsicName: null } single => [single],
            _ => null,
        };
        if (statements is null)
        {
            return null;
        }

        foreach (var item in statements)
        {
            // A statement behind Fn::If (or not a mapping at all) might be the one that grants CloudWatch Logs.
            if (item is not MappingNode { IntrinsicName: null } statement)
            {
                return null;
            }

            if (!string.Equals(context.Resolve.String(statement["Effect"]), "Allow", StringComparison.Ordinal))
            {
                continue;
            }

            var principal = statement["Principal"];
            if (principal is ScalarNode { Value: "*" } || (principal is not null and not MappingNode))
            {
                return null;
            }

            if ((principal as MappingNode)?["Service"] is not { } service)
            {
                continue;
            }

            foreach (var node in service is SequenceNode list ? list.Items : [service])
            {
                switch (ServiceName(context, node))
                {
                    case null:
                        return null;
                    case var name when name.StartsWith("logs.", StringComparison.OrdinalIgnoreCase):
                        return true;
                }
            }
        }

        return false;
    }

    /// <summary>The service principal, or its first literal piece (enough to see "logs.") when a region is substituted in.</summary>
    private static string? ServiceName(RuleContext context, Node node)
    {
        if (context.Resolve.String(node) is { } resolved)
        {
            return resolved;
        }

        if (node is MappingNode { IntrinsicName: "Fn::Sub" } sub && sub["Fn::Sub"] is ScalarNode text)
        {
            return text.Value.StartsWith("logs.", StringComparison.Ordinal) ? text.Value : null;
        }

        if (node is MappingNode { IntrinsicName: "Fn::Join" } join && join["Fn::Join"] is SequenceNode { Items.Count: 2 } args && args.Items[1] is SequenceNode parts
            && parts.Items.Count > 0 && parts.Items[0] is ScalarNode first)
        {
            var delimiter = (args.Items[0] as ScalarNode)?.Value ?? string.Empty;
            return (first.Value + delimiter).StartsWith("logs.", StringComparison.Ordinal) ? first.Value + delimiter : null;
        }

        return null;
    }
}
