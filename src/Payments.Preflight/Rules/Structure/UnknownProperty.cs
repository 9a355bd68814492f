using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Structure;

/// <summary>A key the resource's provider schema does not allow where it stands (typically a typo or a property of another type).</summary>
internal sealed class UnknownProperty : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.UnknownProperty, Severity.Error, "Property is not in the resource schema",
        "A property (or a key inside one) that the resource type's CloudFormation provider schema does not allow at that place, where the schema admits no other keys. CloudFormation rejects the template before creating anything (\"extraneous key [X] is not permitted\" / \"Encountered unsupported property X\"). Custom resources, nested-stack parameters and resources a transform rewrites are not judged.",
        "Fix the spelling (the message suggests the nearest known name) or move the key to where the schema has it; check the property list of the type in the CloudFormation resource reference.",
        "000",
        """
        Resources:
          Queue:
            Type: AWS::SQS::Queue
            Properties:
              VisibilityTimeOut: 60
        """,
        """
        Resources:
          Queue:
            Type: AWS::SQS::Queue
            Properties:
              VisibilityTimeout: 60
        """);

    public override void Check(RuleContext context) => ResourceShapeFindings.Report(context, ShapeIssueKind.UnknownProperty);
}
