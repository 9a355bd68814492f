using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Structure;

/// <summary>PF014: a Ref, Fn::GetAtt, Fn::Sub variable, DependsOn, Condition or Fn::FindInMap naming something the template does not define.</summary>
internal sealed class UnresolvedReference : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.UnresolvedReference, Severity.Error, "Reference to a name the template does not define",
        "A Ref, Fn::GetAtt, Fn::Sub variable or DependsOn names a logical ID that is neither a resource nor a parameter of the template (a typo, a resource renamed or deleted), or an unknown pseudo parameter such as AWS::AccountID; a Condition or Fn::If names a condition Conditions does not define; Fn::FindInMap a mapping Mappings does not define; or a condition refers to a resource. CloudFormation rejects the template in validation (\"Unresolved resource dependencies\"), before creating anything. Under AWS::LanguageExtensions, the names Fn::ForEach makes count as defined and a name built from a loop's identifier is checked for each item of the collection. Under the SAM transform, a name SAM could make is taken as defined: one that begins with the logical ID of an AWS::Serverless::* resource (FunctionRole, Function.Alias, ApiProdStage) or with a prefix SAM uses (ServerlessRestApi, CodeDeployServiceRole). Templates with a macro are not judged: it may add the resource.",
        "Name a resource or parameter the template defines (logical IDs are case-sensitive), or define it; pseudo parameters are AWS::AccountId, AWS::NotificationARNs, AWS::NoValue, AWS::Partition, AWS::Region, AWS::StackId, AWS::StackName and AWS::URLSuffix.",
        "000",
        """
        Resources:
          Queue:
            Type: AWS::SQS::Queue
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              Subscription:
                - Protocol: sqs
                  Endpoint: !GetAtt Qeueu.Arn
        """,
        """
        Resources:
          Queue:
            Type: AWS::SQS::Queue
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              Subscription:
                - Protocol: sqs
                  Endpoint: !GetAtt Queue.Arn
        """);

    public override void Check(RuleContext context) => References.Report(context, References.IssueKind.Unresolved);
}
