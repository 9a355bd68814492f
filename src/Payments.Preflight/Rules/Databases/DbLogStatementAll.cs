using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Databases;

internal sealed class DbLogStatementAll : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.DbLogStatementAll, Severity.Warning,
        "log_statement=all logs every statement",
        "`log_statement = all` writes every SQL statement, bind values included, to the database log: card-adjacent data ends up in CloudWatch, log volume and cost explode, and the database slows under load.",
        "Use `ddl` (schema changes) or `mod`, and `log_min_duration_statement` for slow queries.",
        "003",
        """
        Resources:
          Parameters:
            Type: AWS::RDS::DBParameterGroup
            Properties:
              Family: postgres16
              Description: payments
              Parameters:
                log_statement: all
        """,
        """
        Resources:
          Parameters:
            Type: AWS::RDS::DBParameterGroup
            Properties:
              Family: postgres16
              Description: payments
              Parameters:
                log_statement: ddl
                log_min_duration_statement: "500"
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (group, kind, parameters) in DbParameterRange.ParameterGroups(context))
        {
            if (kind == "postgres" && parameters["log_statement"] is { } node && string.Equals(context.Resolve.String(node), "all", StringComparison.OrdinalIgnoreCase))
            {
                context.Report(group, "Properties/Parameters/log_statement", node,
                    $"parameter group {group.LogicalId} logs every statement (log_statement=all); use ddl or mod and log_min_duration_statement for slow queries.");
            }
        }
    }
}
