using Payments.Api.Hosting;

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

    /// <summary>
    /// <see cref="RunAsync"/> for the process's start-up (the service, the <c>migrate</c> and <c>merchants</c> commands) with the budget
    /// <c>Payments:Database:StartupRetryFor</c> (default 60 s), and what is still failing at the end said as the
    /// operator needs it (<see cref="Hosting.StartupFailure"/>): a database still unreachable as
    /// <see cref="DatabaseUnavailableException"/>, a login or database PostgreSQL refuses as
    /// <see cref="InvalidSettingException"/>.
    /// </summary>
    public static async Task RunAtStartAsync(IServiceProvider services, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var budget = services.GetRequiredService<IConfiguration>().GetValue("Payments:Database:StartupRetryFor", TimeSpan.FromSeconds(60));
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartupRetry));
        try
        {
            await RunAsync(work, budget, services.GetRequiredService<TimeProvider>(), logger, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && StoreFailures.IsTransient(exception))
        {
            throw new DatabaseUnavailableException(
                $"the database stayed unavailable for {budget} (Payments:Database:StartupRetryFor): {exception.GetType().Name}: {exception.Message}", exception);
        }
        catch (Npgsql.PostgresException exception) when (exception.SqlState.StartsWith("28", StringComparison.Ordinal) || exception.SqlState == "3D000")
        {
            // 28: the login or its password was refused; 3D000: no such database. Both are settings, not outages.
            throw new InvalidSettingException(
                $"PostgreSQL refused the login: {exception.SqlState} {exception.MessageText} (ConnectionStrings:Payments or Payments:Database; the migrate command's owner: Payments:Database:Owner)");
        }
        catch (Npgsql.NpgsqlException exception) when (exception is not Npgsql.PostgresException && !exception.IsTransient)
        {
            // Npgsql's own refusals before the server answers anything: no password for a server that wants one, TLS
            // that cannot be negotiated as SslMode asks.
            throw new InvalidSettingException(
                $"the service cannot connect to PostgreSQL: {exception.Message} (ConnectionStrings:Payments or Payments:Database)");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up attempt {Attempt} could not reach the database ({Type}: {Reason}); retrying in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, int attempt, string type, string reason, double delayMs);
}
