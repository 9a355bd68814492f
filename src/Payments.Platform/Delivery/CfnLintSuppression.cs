using Amazon.CDK;

namespace Payments.Platform.Delivery;

/// <summary>Ignores one cfn-lint rule on one resource, in code, with the reason recorded next to it in the template.</summary>
public static class CfnLintSuppression
{
    public static void Ignore(CfnResource resource, string ruleId, string reason)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        resource.AddMetadata("cfn-lint", new Dictionary<string, object>
        {
            ["config"] = new Dictionary<string, object> { ["ignore_checks"] = new[] { ruleId } },
            ["reason"] = $"{ruleId}: {reason}",
        });
    }

    /// <summary>
    /// CDK's <c>Function</c> and <c>Pipeline</c> list their role in <c>DependsOn</c> next to a <c>Fn::GetAtt</c> of it
    /// (cfn-lint W3005). The same <c>DependsOn</c> also carries the role's policy (and, for VPC functions, the
    /// subnet routes), which must stay, so the rule is ignored rather than the dependency removed.
    /// </summary>
    public static void IgnoreRedundantRoleDependency(CfnResource resource) =>
        Ignore(resource, "W3005", "CDK adds the role to DependsOn beside its policy (and VPC routes), which must stay; the duplicate role entry is harmless");
}
