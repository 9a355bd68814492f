namespace Payments.Api.Hosting;

/// <summary>Configuration section <c>Payments:Shutdown</c>.</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "Payments:Shutdown";

    /// <summary>
    /// Time the budget keeps free after the drain delay for in-flight requests and the relay,
    /// so the delay can never eat the whole shutdown timeout.
    /// </summary>
    public const int MinimumSecondsAfterDrain = 5;

    /// <summary>
    /// Seconds between SIGTERM (readiness turns 503) and Kestrel closing its listeners. Must cover
    /// the load balancer noticing: ALB health check interval × unhealthy threshold, or the target
    /// deregistration it started at the same time.
    /// </summary>
    public double DrainDelaySeconds { get; set; } = 5;

    internal IEnumerable<string> Validate()
    {
        const int maximum = ServiceContract.ShutdownTimeoutSeconds - MinimumSecondsAfterDrain;
        if (double.IsNaN(DrainDelaySeconds) || DrainDelaySeconds < 0 || DrainDelaySeconds > maximum)
        {
            yield return $"Payments:Shutdown:DrainDelaySeconds must be 0..{maximum} (the shutdown timeout is {ServiceContract.ShutdownTimeoutSeconds} s and in-flight requests need the rest); was {DrainDelaySeconds}";
        }
    }
}
