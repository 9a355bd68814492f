using Microsoft.Extensions.Options;
using Payments.Api.Hosting;
using Payments.Api.Observability;

namespace Payments.Api.Acquiring;

/// <summary>
/// Voids the approvals recorded in <c>pending_voids</c> (roles <c>worker</c> and <c>all</c>), retrying
/// each with backoff from <see cref="PendingVoidOptions.SweepInitialDelay"/> to
/// <see cref="PendingVoidOptions.SweepMaxDelay"/> until the acquirer accepts it. A record is taken
/// with a conditional update before the acquirer is asked, so two sweepers never void it at once; a
/// sweeper that dies between the acquirer's answer and marking the record can only cause one more
/// void after the lease, which the acquirer treats as harmless (<see cref="IAcquirer.VoidAsync"/>).
/// </summary>
public sealed partial class PendingVoidSweeper(
    IAcquirer acquirer,
    PendingVoidStore store,
    IOptions<PendingVoidOptions> options,
    PaymentsMetrics metrics,
    TimeProvider time,
    ILogger<PendingVoidSweeper> logger) : DatabaseBackgroundService(logger)
{
    private const int BatchSize = 100;
    private readonly SemaphoreSlim running = new(1, 1);

    /// <summary>One pass over the due records; returns how many were voided. Passes in one process never overlap.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await running.WaitAsync(cancellationToken);
        try
        {
            var voided = 0;
            foreach (var due in await store.DueAsync(time.GetUtcNow().ToUnixTimeMilliseconds(), BatchSize, cancellationToken))
            {
                if (!await store.ClaimAsync(due, (time.GetUtcNow() + settings.SweepLease).ToUnixTimeMilliseconds(), cancellationToken))
                {
                    continue;
                }

                var attempt = due.Attempts + 1;
                if (await store.PaymentRecordedAsync(due.PaymentId, cancellationToken))
                {
                    await store.ResolveAsync(due.AuthorizationId, "payment_recorded", time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
                    LogPaymentRecorded(logger, due.AuthorizationId, due.PaymentId);
                    continue;
                }

                try
                {
                    await acquirer.VoidAsync(due.AuthorizationId, cancellationToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    var retryIn = PendingVoidOptions.Backoff(settings.SweepInitialDelay, settings.SweepMaxDelay, attempt);
                    LogVoidFailed(logger, exception.GetType().Name, due.AuthorizationId, due.PaymentId, attempt, retryIn.TotalSeconds);
                    await store.RetryLaterAsync(
                        due.AuthorizationId, (time.GetUtcNow() + retryIn).ToUnixTimeMilliseconds(), Truncate(exception.GetType().Name + ": " + exception.Message), cancellationToken);
                    continue;
                }

                await store.ResolveAsync(due.AuthorizationId, "voided", time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
                metrics.AuthorizationVoidedLater("sweeper");
                LogVoided(logger, due.AuthorizationId, due.PaymentId, attempt);
                voided++;
            }

            return voided;
        }
        finally
        {
            running.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start-up of the host must not wait for the first database round trip.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The database is away: the records wait there; try again at the next interval.
                LogSweepFailed(logger, exception.GetType().Name);
            }

            try
            {
                await Task.Delay(options.Value.SweepInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        running.Dispose();
        base.Dispose();
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voided authorization {AuthorizationId} of payment {PaymentId} from pending_voids (attempt {Attempt})")]
    private static partial void LogVoided(ILogger logger, string authorizationId, string paymentId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payment {PaymentId} was recorded after all (its commit's answer was lost): authorization {AuthorizationId} is kept, not voided")]
    private static partial void LogPaymentRecorded(ILogger logger, string authorizationId, string paymentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Void of authorization {AuthorizationId} of payment {PaymentId} failed ({Exception}, attempt {Attempt}); next attempt in {RetrySeconds} s")]
    private static partial void LogVoidFailed(ILogger logger, string exception, string authorizationId, string paymentId, int attempt, double retrySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pending-void sweep failed ({Exception}); retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, string exception);
}
