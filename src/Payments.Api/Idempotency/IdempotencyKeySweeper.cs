using Payments.Api.Hosting;
using Payments.Api.Payments;

namespace Payments.Api.Idempotency;

public sealed class IdempotencyOptions
{
    /// <summary>How long keys are kept; at least 24 hours (clients may retry for a day).</summary>
    public int RetentionHours { get; set; } = 24;

    public int SweepIntervalMinutes { get; set; } = 60;
}

/// <summary>Deletes idempotency keys older than the retention, in small batches so it never holds long locks.</summary>
public sealed partial class IdempotencyKeySweeper(
    IPaymentStore store,
    Microsoft.Extensions.Options.IOptions<IdempotencyOptions> options,
    ILogger<IdempotencyKeySweeper> logger) : DatabaseBackgroundService(logger)
{
    private const int BatchSize = 5000;

    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var hours = Math.Max(24, options.Value.RetentionHours);
        var total = 0;
        while (true)
        {
            var deleted = await store.DeleteExpiredIdempotencyKeysAsync(hours, BatchSize, cancellationToken);
            total += deleted;
            if (deleted < BatchSize)
            {
                return total;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(Math.Max(1, options.Value.SweepIntervalMinutes));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var deleted = await SweepOnceAsync(stoppingToken);
                if (deleted > 0)
                {
                    LogSwept(logger, deleted);
                }
            }
            catch (Exception exception) when (exception is System.Data.Common.DbException or TimeoutException)
            {
                LogSweepFailed(logger, exception);
            }

            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Swept {Count} expired idempotency keys")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency key sweep failed; retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
