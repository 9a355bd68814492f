using Payments.Preflight.Data;
using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Logs;

internal sealed class LogRetentionValue : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LogRetentionValue, Severity.Error,
        "Log retention must be a value CloudWatch Logs accepts",
        "CloudWatch Logs accepts only fixed retention periods (1, 3, 5, 7, 14, 30, 60, 90, … days). Any other number fails the log group: \"Invalid retention value. Valid values are: …\".",
        "Pick an allowed value (Data/log-retention.json), e.g. 30 or 365; omit RetentionInDays to keep logs forever.",
        "001",
        """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 45
        """,
        """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 60
        """);

    public override void Check(RuleContext context)
    {
        foreach (var logGroup in context.Template.OfType("AWS::Logs::LogGroup").Concat(context.Template.OfType("Custom::LogRetention")))
        {
            var node = logGroup.Property("RetentionInDays");
            if (node is null || context.Resolve.String(node) is not { } text)
            {
                continue;
            }

            if (!long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var days) || !PreflightData.RetentionDays.Contains(days))
            {
                var allowed = PreflightData.RetentionDays.Order().ToList();
                var nearest = long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var wanted) ? allowed.MinBy(a => Math.Abs(a - wanted)) : 30;
                context.Report(logGroup, "Properties/RetentionInDays", node,
                    $"RetentionInDays {Excerpt.Of(text)} is not allowed; creating {logGroup.LogicalId} fails. Allowed: {string.Join(", ", allowed)} (nearest: {nearest}).");
            }
        }
    }
}
