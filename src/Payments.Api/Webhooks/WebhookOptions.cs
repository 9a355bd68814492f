namespace Payments.Api.Webhooks;

/// <summary>Configuration section <c>Payments:Webhooks</c> (docs/configuration.md, docs/webhooks.md).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Payments:Webhooks";

    /// <summary>Runs fan-out and delivery in this process; the role decides when unset (worker and all: yes, api: no).</summary>
    public bool? DeliveryEnabled { get; set; }

    /// <summary>Wait between polls when there is nothing to fan out or deliver.</summary>
    public int PollIntervalMs { get; set; } = 1000;

    /// <summary>Deadline of one delivery request (connect, send, response headers).</summary>
    public int RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a claimed delivery is reserved for its worker; after that another worker sends it again (same event id).</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Deliveries one worker process sends at once, over all endpoints.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 64;

    /// <summary>Deliveries in flight to one endpoint at once, over all workers.</summary>
    public int MaxConcurrentPerEndpoint { get; set; } = 4;

    /// <summary>The first retry waits up to this long; each later one up to twice the previous bound.</summary>
    public int RetryBaseDelaySeconds { get; set; } = 30;

    /// <summary>No single wait between two attempts is longer than this.</summary>
    public int RetryMaxDelaySeconds { get; set; } = 3600;

    /// <summary>A delivery that has failed for this long is given up (status failed).</summary>
    public int GiveUpAfterHours { get; set; } = 72;

    /// <summary>An endpoint is disabled after this many failed attempts in a row …</summary>
    public int DisableAfterConsecutiveFailures { get; set; } = 20;

    /// <summary>… spanning at least this long without a success.</summary>
    public int DisableAfterFailingHours { get; set; } = 72;

    internal IEnumerable<string> Validate()
    {
        if (PollIntervalMs is < 10 or > 600_000)
        {
            yield return $"{SectionName}:PollIntervalMs must be 10..600000 (was {PollIntervalMs})";
        }

        if (RequestTimeoutSeconds is < 1 or > 60)
        {
            yield return $"{SectionName}:RequestTimeoutSeconds must be 1..60 (was {RequestTimeoutSeconds})";
        }

        if (LeaseSeconds <= RequestTimeoutSeconds || LeaseSeconds > 3600)
        {
            yield return $"{SectionName}:LeaseSeconds must exceed RequestTimeoutSeconds and be at most 3600 (was {LeaseSeconds})";
        }

        if (MaxConcurrentDeliveries is < 1 or > 1024 || MaxConcurrentPerEndpoint is < 1 or > 256)
        {
            yield return $"{SectionName}:MaxConcurrentDeliveries must be 1..1024 and MaxConcurrentPerEndpoint 1..256 (were {MaxConcurrentDeliveries}, {MaxConcurrentPerEndpoint})";
        }

        if (RetryBaseDelaySeconds < 1 || RetryMaxDelaySeconds < RetryBaseDelaySeconds)
        {
            yield return $"{SectionName}:RetryBaseDelaySeconds must be at least 1 and RetryMaxDelaySeconds at least that (were {RetryBaseDelaySeconds}, {RetryMaxDelaySeconds})";
        }

        if (GiveUpAfterHours is < 1 or > 24 * 30 || DisableAfterFailingHours is < 1 or > 24 * 30 || DisableAfterConsecutiveFailures < 1)
        {
            yield return $"{SectionName}:GiveUpAfterHours and DisableAfterFailingHours must be 1..720, DisableAfterConsecutiveFailures at least 1";
        }
    }
}

/// <summary>
/// Retry waits: exponential with full jitter (a uniformly random wait up to the bound), the bound
/// doubling per attempt from <see cref="WebhookOptions.RetryBaseDelaySeconds"/> and capped at
/// <see cref="WebhookOptions.RetryMaxDelaySeconds"/>. Full jitter spreads a receiver's retries after an
/// outage instead of sending them back in waves.
/// </summary>
public static class WebhookBackoff
{
    /// <summary>The upper bound of the wait after <paramref name="failedAttempts"/> failures (1 for the first).</summary>
    public static TimeSpan Bound(WebhookOptions options, int failedAttempts)
    {
        ArgumentNullException.ThrowIfNull(options);
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var seconds = Math.Min(options.RetryMaxDelaySeconds, options.RetryBaseDelaySeconds * Math.Pow(2, exponent));
        return TimeSpan.FromSeconds(seconds);
    }

    public static TimeSpan Delay(WebhookOptions options, int failedAttempts, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return TimeSpan.FromMilliseconds(random.NextDouble() * Bound(options, failedAttempts).TotalMilliseconds);
    }
}
