using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Structure;

/// <summary>
/// A key repeated in one mapping (two resources with one logical ID, a property pasted twice). CloudFormation
/// accepts it and silently keeps the last value, so the first one never deploys: worth a warning, not an error.
/// </summary>
internal sealed class DuplicateKeys : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.DuplicateKey, Severity.Warning, "Duplicate key: CloudFormation keeps only the last one",
        "A key appears twice in the same mapping, e.g. two resources with one logical ID or a property pasted twice. CloudFormation (JSON and YAML) accepts the template and silently uses the last value: the first resource or value is never deployed, and changing it does nothing.",
        "Remove or rename one of the two keys (give the second resource its own logical ID).",
        "000",
        """
        Resources:
          Queue:
            Type: AWS::SQS::Queue
          Queue:
            Type: AWS::SNS::Topic
        """,
        """
        Resources:
          Queue:
            Type: AWS::SQS::Queue
          Topic:
            Type: AWS::SNS::Topic
        """);

    public override void Check(RuleContext context)
    {
        foreach (var duplicate in context.Template.Root.DocumentDuplicateKeys)
        {
            context.ReportLine(duplicate.Line,
                $"key '{Excerpt.Of(duplicate.Key)}' appears again (first on line {duplicate.FirstLine}); CloudFormation keeps only this later value and ignores the one on line {duplicate.FirstLine}.");
        }
    }
}
