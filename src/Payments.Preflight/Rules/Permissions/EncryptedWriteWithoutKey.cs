using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class EncryptedWriteWithoutKey : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.EncryptedWriteWithoutKey, Severity.Error,
        "A role allowed to write to an encrypted bucket, queue or topic must be allowed to use its key",
        "Writing to an SSE-KMS bucket (`s3:PutObject`), a KMS-encrypted queue (`sqs:SendMessage`) or topic (`sns:Publish`) makes the service call KMS with the writer's credentials: without `kms:GenerateDataKey` (and `kms:Decrypt` for queues and topics) on the key, every write fails with AccessDenied (KMS.AccessDeniedException) although the write itself is granted. The grant cannot work; the error shows only at run time.",
        "Grant the role the key as well (CDK: `bucket.GrantWrite(role)` / `queue.GrantSendMessages(role)` / `topic.GrantPublish(role)` add it when the key is in the same app), or let the key policy allow it.",
        "004",
        """
        Resources:
          Key:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy:
                Statement:
                  - Effect: Allow
                    Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
                    Action: kms:*
                    Resource: "*"
          Archive:
            Type: AWS::S3::Bucket
            Properties:
              BucketEncryption:
                ServerSideEncryptionConfiguration:
                  - ServerSideEncryptionByDefault: { SSEAlgorithm: aws:kms, KMSMasterKeyID: !GetAtt Key.Arn }
          Writer:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-tasks.amazonaws.com }
                    Action: sts:AssumeRole
              Policies:
                - PolicyName: write
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: s3:PutObject
                        Resource: !Sub "${Archive.Arn}/*"
        """,
        """
        Resources:
          Key:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy:
                Statement:
                  - Effect: Allow
                    Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
                    Action: kms:*
                    Resource: "*"
          Archive:
            Type: AWS::S3::Bucket
            Properties:
              BucketEncryption:
                ServerSideEncryptionConfiguration:
                  - ServerSideEncryptionByDefault: { SSEAlgorithm: aws:kms, KMSMasterKeyID: !GetAtt Key.Arn }
          Writer:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-tasks.amazonaws.com }
                    Action: sts:AssumeRole
              Policies:
                - PolicyName: write
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: s3:PutObject
                        Resource: !Sub "${Archive.Arn}/*"
                      - Effect: Allow
                        Action: [ kms:GenerateDataKey, kms:Decrypt ]
                        Resource: !GetAtt Key.Arn
        """);

    public override void Check(RuleContext context)
    {
        foreach (var role in context.Access.Roles.Where(r => r.Template == context.Template))
        {
            // Only destinations the role's own Allow statements name: a grant of `sns:Publish` on `*` (a managed
            // policy) is not meant for any particular topic, and looking the named ones up keeps the rule linear.
            foreach (var (resource, action, resourceArn, service, key) in NamedDestinations(context, role))
            {
                var write = FlowCheck.Request(role.Caller, action, resourceArn, FlowCheck.Direct(context, role.Caller));
                var granted = context.Access.Check(write, context.Access.TargetOf(resource.Template, resource.Resource));
                if (granted.Answer != Answer.Allowed || granted.Deciding?.Resources is not { } patterns
                    || !patterns.Any(p => NamesResource(p, context.Access.Resolver(resource.Template).Name(resource.Resource))))
                {
                    continue;
                }

                var kmsActions = service == "s3" ? new[] { "kms:GenerateDataKey" } : ["kms:GenerateDataKey", "kms:Decrypt"];
                FlowCheck.Require(context, role.Resource, null, null,
                    FlowCheck.Calls(role.Caller, kmsActions, key.Arn, key.Target, FlowCheck.Via(context, role.Caller, service)),
                    $"its {action} to {resource.Resource.LogicalId} is granted but fails at run time (KMS AccessDenied)",
                    "grant the role kms:GenerateDataKey (and kms:Decrypt for queues and topics) on the key, e.g. with the CDK grant methods of the bucket/queue/topic");
            }
        }
    }

    /// <summary>The encrypted buckets, queues and topics (with a key of the run) that the role's Allow statements name.</summary>
    private static IEnumerable<((Template Template, Resource Resource), string, Sym, string, (Sym Arn, Target Target))> NamedDestinations(RuleContext context, RoleInfo role)
    {
        var seen = new HashSet<Resource>();
        foreach (var statement in role.Identity.Where(d => !d.Opaque).SelectMany(d => d.Statements).Where(s => s.Effect == Effect.Allow && !s.NotResource))
        {
            foreach (var pattern in statement.Resources ?? [])
            {
                // an object pattern (arn:aws:s3:::bucket/prefix*) names its bucket
                var named = pattern.StartsWith("arn:aws:s3:::") ? pattern.Split('/')[0] : pattern;
                if (context.Access.Locate(named, "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::SNS::Topic") is not { } found || !seen.Add(found.Resource))
                {
                    continue;
                }

                if (Destination(context, found.Template, found.Resource) is { } destination)
                {
                    yield return destination;
                }
            }
        }
    }

    private static bool NamesResource(Sym pattern, Sym name) =>
        name.Parts.Count > 0 && name.Parts.All(part => pattern.Parts.Any(p => part.IsAtom ? p == part : !p.IsAtom && p.Text.Contains(part.Text, StringComparison.Ordinal)));

    /// <summary>An encrypted write target whose key is in the run: (resource, write action, ARN written, service, key); else null.</summary>
    private static ((Template Template, Resource Resource), string, Sym, string, (Sym Arn, Target Target))? Destination(RuleContext context, Template template, Resource resource)
    {
        var symbols = context.Access.Resolver(template);
        if (resource.Type == "AWS::S3::Bucket")
        {
            foreach (var rule in Engine.Resolver.Items((resource.Property("BucketEncryption") as MappingNode)?["ServerSideEncryptionConfiguration"]))
            {
                var byDefault = (rule as MappingNode)?["ServerSideEncryptionByDefault"] as MappingNode;
                if (symbols.Resolve(byDefault?["SSEAlgorithm"])?.Literal is "aws:kms" or "aws:kms:dsse"
                    && FlowCheck.KeyTarget(context, template, byDefault?["KMSMasterKeyID"]) is { Target.KeyPolicy.Opaque: false } key)
                {
                    return ((template, resource), "s3:PutObject", symbols.Arn(resource) + "/" + Sym.Atom("object-key"), "s3", key);
                }
            }

            return null;
        }

        var (action, service) = resource.Type == "AWS::SQS::Queue" ? ("sqs:SendMessage", "sqs") : ("sns:Publish", "sns");
        return FlowCheck.KeyTarget(context, template, resource.Property("KmsMasterKeyId")) is { Target.KeyPolicy.Opaque: false } queueKey
            ? ((template, resource), action, symbols.Arn(resource), service, queueKey)
            : null;
    }
}
