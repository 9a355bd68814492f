using Amazon.CDK;
using Amazon.CDK.AWS.CodeDeploy;

namespace Payments.Platform.Delivery;

/// <summary>How a release reaches one environment. Every per-environment difference of the delivery lives in <see cref="DeliveryTable"/>.</summary>
public sealed record DeliveryEnvironment
{
    public required string Name { get; init; }

    /// <summary>Traffic shifting from blue to green (all at once, linear or canary).</summary>
    public required IEcsDeploymentConfig DeploymentConfig { get; init; }

    /// <summary>Human-readable form of <see cref="DeploymentConfig"/> for docs and notifications.</summary>
    public required string TrafficShifting { get; init; }

    /// <summary>How long the old (blue) task set keeps running after the shift: the window for an instant rollback.</summary>
    public required Duration TerminationWait { get; init; }

    /// <summary>A person approves in the pipeline before this environment is touched.</summary>
    public required bool RequiresManualApproval { get; init; }

    /// <summary>The CodeDeploy application of the environment's services.</summary>
    public string ApplicationName => $"payments-{Name}";

    /// <summary>The deployment group of the load-balanced api service.</summary>
    public string ApiDeploymentGroupName => $"payments-{Name}-api";

    /// <summary>The pre-traffic hook's function name (the appspec names it, so it is fixed and carries the environment).</summary>
    public string PreTrafficHookFunctionName => $"payments-{Name}-pre-traffic-hook";

    /// <summary>The smoke-test merchant's id in the payments service (3-64 letters, digits, '_' or '-').</summary>
    public string SmokeMerchantId => $"acct_smoke_{Name}";

    /// <summary>The post-deploy verification's merchant id (its own, so its balance moves only by what it does).</summary>
    public string VerificationMerchantId => $"acct_verify_{Name}";
}

/// <summary>The delivery half of the environment table: dev all at once, staging linear, prod canary after an approval.</summary>
public static class DeliveryTable
{
    public static DeliveryEnvironment For(string environmentName) => environmentName switch
    {
        "dev" => new()
        {
            Name = "dev",
            DeploymentConfig = EcsDeploymentConfig.ALL_AT_ONCE,
            TrafficShifting = "all at once",
            TerminationWait = Duration.Minutes(5),
            RequiresManualApproval = false,
        },
        "staging" => new()
        {
            Name = "staging",
            DeploymentConfig = EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES,
            TrafficShifting = "linear 10% every minute",
            TerminationWait = Duration.Minutes(15),
            RequiresManualApproval = false,
        },
        "prod" => new()
        {
            Name = "prod",
            DeploymentConfig = EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES,
            TrafficShifting = "canary 10% for 5 minutes, then the rest",
            TerminationWait = Duration.Minutes(60),
            RequiresManualApproval = true,
        },
        _ => throw new ArgumentException($"no delivery settings for environment '{environmentName}'; expected dev, staging or prod", nameof(environmentName)),
    };
}
