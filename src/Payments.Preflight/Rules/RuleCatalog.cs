using Payments.Preflight.Rules.Databases;
using Payments.Preflight.Rules.Ecs;
using Payments.Preflight.Rules.Iam;
using Payments.Preflight.Rules.Lambda;
using Payments.Preflight.Rules.Logs;
using Payments.Preflight.Rules.Structure;

namespace Payments.Preflight.Rules;

/// <summary>All rules, and the descriptors of the findings the engine itself raises.</summary>
internal static class RuleCatalog
{
    public static IReadOnlyList<Rule> Rules { get; } =
    [
        new TemplateStructure(),
        new CodeDeployServiceController(),
        new CodeDeployServiceDeploymentConfig(),
        new CodeDeployServiceHealthyPercent(),
        new CodeDeployServiceLoadBalancers(),
        new CodeDeployTargetGroupsReachable(),
        new HealthCheckPortConsistency(),
        new ContainerHealthCheckPort(),
        new FargateCpuMemory(),
        new HealthCheckGracePeriod(),
        new ManagedPolicyExists(),
        new ServicePrincipalExists(),
        new DbEngineVersionOffered(),
        new DbEngineVersionDeprecated(),
        new DbParameterRange(),
        new DbLogStatementAll(),
        new LogGroupKmsKeyPolicy(),
        new LogRetentionValue(),
        new LambdaInlineRuntime(),
        new LambdaInlineHandler(),
        new LambdaRuntimeBlocked(),
        new LambdaRuntimeDeprecated(),
    ];

    public static IReadOnlyList<RuleDescriptor> EngineDescriptors { get; } = EngineFindings.Descriptors;

    public static IEnumerable<RuleDescriptor> AllDescriptors => EngineDescriptors.Concat(Rules.Select(r => r.Descriptor));
}
