using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Structure;

/// <summary>
/// An AWS:: (or Alexa::) type the dated schemas do not know. A warning: a type AWS released after the data's date is
/// valid. Custom::, third-party and private registry types and modules are not judged.
/// </summary>
internal sealed class UnknownResourceType : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.UnknownResourceType, Severity.Warning, "Resource type is not in the CloudFormation schemas",
        "An AWS:: resource type that is not among the CloudFormation resource provider schemas preflight carries (us-east-1, dated). A misspelled type makes CloudFormation reject the template (\"Unrecognized resource types\"); an AWS::Serverless:: type needs the SAM transform. Its properties are not checked. A type released after the data's date is fine.",
        "Fix the spelling of the type (or add `Transform: AWS::Serverless-2016-10-31` for AWS::Serverless:: types); if the type is new, refresh the data (Data/refresh-from-cfn-lint.py).",
        "000",
        """
        Resources:
          Bucket:
            Type: AWS::S3::Buckets
        """,
        """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
        """);

    public override void Check(RuleContext context) => ResourceShapeFindings.Report(context, ShapeIssueKind.UnknownType);
}
