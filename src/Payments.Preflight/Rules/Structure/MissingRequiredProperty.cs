using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Structure;

/// <summary>A property the resource's provider schema requires is absent (on the resource or inside an object property).</summary>
internal sealed class MissingRequiredProperty : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.MissingRequiredProperty, Severity.Error, "Required property is missing",
        "The resource type's CloudFormation provider schema requires a property (or a key inside an object property) that the template does not set. CloudFormation rejects the template before creating anything (\"required key [X] not found\"). A value given by an intrinsic function counts as set.",
        "Add the property; the resource reference lists what each type requires.",
        "000",
        """
        Resources:
          Detector:
            Type: AWS::GuardDuty::Detector
            Properties: {}
        """,
        """
        Resources:
          Detector:
            Type: AWS::GuardDuty::Detector
            Properties:
              Enable: true
        """);

    public override void Check(RuleContext context) => ResourceShapeFindings.Report(context, ShapeIssueKind.MissingRequired);
}
