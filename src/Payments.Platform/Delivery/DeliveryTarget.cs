namespace Payments.Platform.Delivery;

/// <summary>
/// One environment as the pipeline sees it: names only, so the pipeline stack never holds a cross-stack
/// (or cross-stage) reference into the platform stacks it deploys.
/// </summary>
public sealed record DeliveryTarget
{
    public required DeliveryEnvironment Delivery { get; init; }

    /// <summary>The CDK stage (construct path prefix) whose stacks the infra action deploys, e.g. <c>dev</c>.</summary>
    public required string StageName { get; init; }

    /// <summary>ECR repository the image is pushed to, e.g. <c>payments-dev/api</c>.</summary>
    public required string RepositoryName { get; init; }

    /// <summary>Task-definition family of the api service (the family CodeDeploy registers each release's revision in).</summary>
    public required string TaskFamily { get; init; }

    /// <summary>
    /// CloudFormation name of the environment's platform stack, e.g. <c>payments-dev-platform</c>: the release is
    /// rendered from the task-definition revision in its <c>ApiTaskDefinitionArn</c> output (what the platform
    /// code last deployed), never from the family's latest revision (what the previous release registered).
    /// </summary>
    public required string PlatformStackName { get; init; }

    /// <summary>The services a release rolls to this commit's image (api through CodeDeploy, worker through CloudFormation).</summary>
    public required IReadOnlyList<string> ReleasedServiceNames { get; init; }

    /// <summary>The api container that the load balancer targets.</summary>
    public required string ContainerName { get; init; }

    /// <summary>
    /// The api service's capacity-provider strategy as synthesized (FARGATE base, FARGATE_SPOT weight from the
    /// environment table). Every release's appspec repeats it: CodeDeploy creates the replacement task set
    /// from the appspec, not from the service.
    /// </summary>
    public required IReadOnlyList<CapacityProviderShare> ApiCapacityProviders { get; init; }

    /// <summary>The transaction-log bucket the post-deploy verification reads the relay's objects from.</summary>
    public required string TransactionLogBucketName { get; init; }

    /// <summary>Alias of the environment's key (it encrypts that bucket and the verification merchant's secret), e.g. <c>alias/payments-dev</c>.</summary>
    public required string KeyAlias { get; init; }
}

/// <summary>One item of a capacity-provider strategy, in CloudFormation's and the appspec's terms.</summary>
public sealed record CapacityProviderShare(string CapacityProvider, int? Base, int? Weight);
