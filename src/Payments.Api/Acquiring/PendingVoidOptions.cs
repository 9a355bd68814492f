namespace Payments.Api.Acquiring;

/// <summary>Retrying voids the acquirer refused (<c>Payments:PendingVoids</c>); defaults in code.</summary>
public sealed class PendingVoidOptions
{
    public const string Section = "Payments:PendingVoids";

    /// <summary>First wait of the in-process retry queue; doubles per attempt up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Voids the in-process queue holds while the database is away; beyond it they are only logged.</summary>
    public int MaxQueued { get; set; } = 10_000;

    /// <summary>How often the sweeper looks for due records.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait after the sweeper's first failed attempt on a record; doubles per attempt up to <see cref="SweepMaxDelay"/>.</summary>
    public TimeSpan SweepInitialDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan SweepMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a sweeper owns a record it took; a sweeper that died mid-attempt leaves it to another after this.</summary>
    public TimeSpan SweepLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Runs the sweeper in this process; unset: the role decides (<c>worker</c> and <c>all</c>).</summary>
    public bool? SweeperEnabled { get; set; }

    public IEnumerable<string> Validate()
    {
        if (RetryInitialDelay <= TimeSpan.Zero || RetryMaxDelay < RetryInitialDelay)
        {
            yield return $"{Section}: RetryInitialDelay must be positive and at most RetryMaxDelay (got {RetryInitialDelay} and {RetryMaxDelay})";
        }

        if (SweepInitialDelay <= TimeSpan.Zero || SweepMaxDelay < SweepInitialDelay)
        {
            yield return $"{Section}: SweepInitialDelay must be positive and at most SweepMaxDelay (got {SweepInitialDelay} and {SweepMaxDelay})";
        }

        if (SweepInterval <= TimeSpan.Zero || SweepLease <= TimeSpan.Zero)
        {
            yield return $"{Section}: SweepInterval and SweepLease must be positive (got {SweepInterval} and {SweepLease})";
        }

        if (MaxQueued < 1)
        {
            yield return $"{Section}: MaxQueued must be at least 1 (got {MaxQueued})";
        }
    }

    /// <summary><paramref name="initial"/> doubled per earlier attempt, capped at <paramref name="max"/>.</summary>
    public static TimeSpan Backoff(TimeSpan initial, TimeSpan max, int attempt) =>
        TimeSpan.FromTicks((long)Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30))));
}
