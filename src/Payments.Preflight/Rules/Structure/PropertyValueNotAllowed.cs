using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Structure;

/// <summary>
/// A literal outside the enum of the resource's provider schema. The schemas are dated data and AWS adds values
/// (instance types, engines, regions' features), so this is a warning: a new value may be right and the data behind.
/// </summary>
internal sealed class PropertyValueNotAllowed : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.PropertyValueNotAllowed, Severity.Warning, "Value is not one the resource schema allows",
        "A literal value is not among the values the resource type's CloudFormation provider schema lists for the property (the schemas are dated; see Data/resource-schemas.jsonl). A value that really is unknown fails when CloudFormation or the service validates it; a value AWS added after the data's date is fine.",
        "Use one of the listed values (the message names them); if the value is new, refresh the data (Data/refresh-from-cfn-lint.py) or suppress with the reason.",
        "000",
        """
        Resources:
          Detector:
            Type: AWS::GuardDuty::Detector
            Properties:
              Enable: true
              FindingPublishingFrequency: HOURLY
        """,
        """
        Resources:
          Detector:
            Type: AWS::GuardDuty::Detector
            Properties:
              Enable: true
              FindingPublishingFrequency: ONE_HOUR
        """);

    public override void Check(RuleContext context) => ResourceShapeFindings.Report(context, ShapeIssueKind.ValueNotAllowed);
}
