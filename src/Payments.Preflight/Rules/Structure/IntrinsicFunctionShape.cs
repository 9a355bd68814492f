using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Structure;

/// <summary>PF015: an intrinsic function with arguments of the wrong shape, or a function CloudFormation does not have.</summary>
internal sealed class IntrinsicFunctionShape : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.IntrinsicFunctionShape, Severity.Error, "Intrinsic function with arguments of the wrong shape",
        "An intrinsic function is called with arguments CloudFormation cannot take: Ref with a list or a mapping, Fn::GetAtt without [logical ID, attribute], Fn::Join without [delimiter, list], Fn::Sub with neither a string nor [string, variables], Fn::If without three items, Fn::And or Fn::Or outside 2–10 conditions, Fn::FindInMap without three keys, DependsOn or Condition that is not a name, or a function CloudFormation does not have (Fn::Concat, Fn::Lookup). CloudFormation rejects the template in validation. Under AWS::LanguageExtensions, also an Fn::ForEach that is not [identifier, collection, outputs] or whose output key two items of a spelled-out collection make the same, Fn::Length of a non-list, and Fn::FindInMap's fourth item other than { DefaultValue: … }; Fn::Length and Fn::ToJsonString without that transform. Arguments that are themselves functions are taken as returning the right shape. SAM templates are judged the same; templates with a macro are not.",
        "Give the function the arguments its reference names, e.g. `!Join [',', [a, b]]`, `!GetAtt Queue.Arn` or `Fn::GetAtt: [Queue, Arn]`.",
        "000",
        """
        Resources:
          Queue:
            Type: AWS::SQS::Queue
            Properties:
              QueueName:
                Fn::Join: ['-', payments, events]
        """,
        """
        Resources:
          Queue:
            Type: AWS::SQS::Queue
            Properties:
              QueueName:
                Fn::Join: ['-', [payments, events]]
        """);

    public override void Check(RuleContext context) => References.Report(context, References.IssueKind.WrongShape);
}
