namespace Payments.Api.Hosting;

/// <summary>
/// Whether this process is draining (SIGTERM received). A DI singleton: readiness answers 503
/// while <see cref="IsDraining"/> is true so the load balancer stops sending new requests, while
/// requests already routed here are still served.
/// </summary>
public sealed class ShutdownState : IDisposable
{
    private readonly CancellationTokenSource draining = new();
    private readonly TimeProvider time;
    private long drainingSinceTicks;

    public ShutdownState()
        : this(TimeProvider.System)
    {
    }

    public ShutdownState(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        this.time = time;
    }

    /// <summary>True from the moment shutdown starts until the process exits.</summary>
    public bool IsDraining => draining.IsCancellationRequested;

    /// <summary>Cancelled when draining starts (for long polls or streams that should end early).</summary>
    public CancellationToken Draining => draining.Token;

    /// <summary>When draining started, or null.</summary>
    public DateTimeOffset? DrainingSince
    {
        get
        {
            var ticks = Interlocked.Read(ref drainingSinceTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Starts draining; later calls do nothing.</summary>
    public void BeginDraining()
    {
        if (Interlocked.CompareExchange(ref drainingSinceTicks, time.GetUtcNow().UtcTicks, 0) == 0)
        {
            draining.Cancel();
        }
    }

    public void Dispose() => draining.Dispose();
}
