namespace Payments.Api.Storage;

/// <summary>
/// Start-up work that needs the database, retried while the database is briefly unreachable (a failover,
/// a server still starting, a connect that timed out on a busy host) instead of failing the task and
/// waiting for the orchestrator to start another one. Only transient store failures are retried, with
/// doubling delays up to <see cref="MaxDelay"/>, until <c>budget</c> has passed; then the last failure is thrown.
/// </summary>
public static partial class StartupRetry
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <param name="wait">How to wait between attempts; <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> on <paramref name="time"/> unless given.</param>
    public static async Task RunAsync(
        Func<CancellationToken, Task> work,
        TimeSpan budget,
        TimeProvider time,
        ILogger logger,
        CancellationToken cancellationToken,
        Func<TimeSpan, CancellationToken, Task>? wait = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var started = time.GetTimestamp();
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work(cancellationToken);
                return;
            }
            catch (Exception exception) when (StoreFailures.IsTransient(exception)
                && !cancellationToken.IsCancellationRequested
                && time.GetElapsedTime(started) + delay <= budget)
            {
                LogRetry(logger, attempt, exception.GetType().Name, exception.Message, delay.TotalMilliseconds);
            }

            await (wait is null ? Task.Delay(delay, time, cancellationToken) : wait(delay, cancellationToken));
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up attempt {Attempt} could not reach the database ({Type}: {Reason}); retrying in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, int attempt, string type, string reason, double delayMs);
}
