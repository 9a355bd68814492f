using Payments.Preflight.Rules.Cost;
using Payments.Preflight.Rules.Databases;
using Payments.Preflight.Rules.Dependencies;
using Payments.Preflight.Rules.Ecs;
using Payments.Preflight.Rules.Iam;
using Payments.Preflight.Rules.Lifecycle;
using Payments.Preflight.Rules.Permissions;
using Payments.Preflight.Rules.Network;
using Payments.Preflight.Rules.Pipelines;
using Payments.Preflight.Rules.Storage;
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
        new DuplicateKeys(),
        new UnknownProperty(),
        new MissingRequiredProperty(),
        new PropertyValueNotAllowed(),
        new UnknownResourceType(),
        new UnresolvedReference(),
        new IntrinsicFunctionShape(),
        new TemplateFormat(),
        new TemplateQuota(),
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
        new UnrecognizedServicePrincipal(),
        new UnknownManagedPolicy(),
        new TaskExecutionRoleAccess(),
        new AlarmNotificationAccess(),
        new EventTargetAccess(),
        new EncryptedWriteWithoutKey(),
        new LoadBalancerLogDelivery(),
        new LambdaCreationAccess(),
        new SubscriptionDeliveryAccess(),
        new CodeDeployServiceRoleAccess(),
        new PipelineActionAccess(),
        new FlowLogDeliveryAccess(),
        new ReleasePullAccess(),
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
        new BucketDeleteFails(),
        new RepositoryDeleteFails(),
        new FixedPhysicalName(),
        new RetainedFixedName(),
        new UndeletableInNonProduction(),
        new MustExistFirst(),
        new GitHubVersion1Source(),
        new CodeCommitSource(),
        new FlowLogDestination(),
        new LifecycleRuleWithoutAction(),
        new LifecycleRuleWithoutFilter(),
        new HttpsListenerCertificate(),
        new ProductionHttpListenerRedirect(),
        new NatGatewayOutsideProduction(),
        new InterfaceEndpointOutsideProduction(),
    ];

    public static IReadOnlyList<RuleDescriptor> EngineDescriptors { get; } = EngineFindings.Descriptors;

    public static IEnumerable<RuleDescriptor> AllDescriptors => EngineDescriptors.Concat(Rules.Select(r => r.Descriptor));
}
