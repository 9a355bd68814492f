namespace Payments.Preflight.Tests;

internal static class TestTemplates
{
    public static readonly DateOnly Today = new(2026, 11, 23);

    public static List<Finding> Check(string yaml, string? environment = null, string path = "template.yaml", string? stackName = null) =>
        PreflightEngine.CheckText(path, yaml, new PreflightOptions { Today = Today, Environment = environment }, stackName);

    public static List<Finding> CheckRule(string yaml, string ruleId, string? environment = null, string? stackName = null) =>
        [.. Check(yaml, environment, "template.yaml", stackName).Where(f => f.RuleId == ruleId)];
}
