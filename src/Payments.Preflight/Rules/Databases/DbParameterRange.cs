using Payments.Preflight.Data;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Databases;

internal sealed class DbParameterRange : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.DbParameterRange, Severity.Error,
        "DB parameter-group values must be within the engine's allowed range",
        "RDS validates each parameter of a DB (cluster) parameter group against the engine's allowed values. One out of range fails the parameter group: \"Invalid parameter value: … for: … allowed values are: …\". Formulas such as `{DBInstanceClassMemory/12038}` are evaluated by RDS per instance and are accepted.",
        "Use a value inside the allowed range (the message shows it), or a formula.",
        "003",
        """
        Resources:
          Parameters:
            Type: AWS::RDS::DBParameterGroup
            Properties:
              Family: postgres16
              Description: payments
              Parameters:
                max_connections: "5"
        """,
        """
        Resources:
          Parameters:
            Type: AWS::RDS::DBParameterGroup
            Properties:
              Family: postgres16
              Description: payments
              Parameters:
                max_connections: "LEAST({DBInstanceClassMemory/9531392},5000)"
                work_mem: "16384"
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (group, kind, parameters) in ParameterGroups(context))
        {
            if (!PreflightData.DbParameters.TryGetValue(kind, out var ranges))
            {
                continue;
            }

            foreach (var (name, node) in parameters.Entries)
            {
                if (!ranges.TryGetValue(name, out var range) || context.Resolve.String(node) is not { } value || value.Contains('{', StringComparison.Ordinal))
                {
                    continue;
                }

                if (range.Values is { } allowed)
                {
                    if (!allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
                    {
                        context.Report(group, $"Properties/Parameters/{name}", node,
                            $"{name} = '{Excerpt.Of(value)}' is not allowed for {kind}; the parameter group fails to create. Allowed: {string.Join(", ", allowed)}.");
                    }

                    continue;
                }

                if (!double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number))
                {
                    context.Report(group, $"Properties/Parameters/{name}", node,
                        $"{name} = '{Excerpt.Of(value)}' is not a number or a {{formula}}; the parameter group fails to create.");
                }
                else if (number < range.Min || number > range.Max)
                {
                    context.Report(group, $"Properties/Parameters/{name}", node,
                        $"{name} = {value} is outside the allowed range {range.Min}–{range.Max} for {kind}; the parameter group fails to create.");
                }
            }
        }
    }

    /// <summary>Parameter groups with the kind of engine their family belongs to ("postgres" or "mysql").</summary>
    internal static IEnumerable<(Resource Group, string Kind, MappingNode Parameters)> ParameterGroups(RuleContext context)
    {
        foreach (var group in context.Template.Resources.Values.Where(r => r.Type is "AWS::RDS::DBParameterGroup" or "AWS::RDS::DBClusterParameterGroup"))
        {
            if (group.Property("Parameters") is not MappingNode parameters || context.Resolve.String(group.Property("Family"))?.ToLowerInvariant() is not { } family)
            {
                continue;
            }

            var kind = family.StartsWith("postgres", StringComparison.Ordinal) || family.StartsWith("aurora-postgresql", StringComparison.Ordinal) ? "postgres"
                : family.StartsWith("mysql", StringComparison.Ordinal) || family.StartsWith("aurora-mysql", StringComparison.Ordinal) || family.StartsWith("mariadb", StringComparison.Ordinal) ? "mysql"
                : null;
            if (kind is not null)
            {
                yield return (group, kind, parameters);
            }
        }
    }
}
