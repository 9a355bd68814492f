using Microsoft.Extensions.Options;
using Payments.Api.Hosting;
using Payments.Api.Observability;

namespace Payments.Api.TransactionLog;

/// <summary>
/// Background service that exports the transaction log to the sink (roles <c>worker</c> and
/// <c>all</c>). On PostgreSQL only the process holding the relay's advisory lock exports; the
/// others wait as hot standbys. Stopping abandons the batch in progress; the cursor is only moved
/// for batches the sink confirmed, so nothing is lost and at most that batch is written again.
/// </summary>
public sealed partial class TransactionLogRelay : DatabaseBackgroundService
{
    private static readonly TimeSpan LateRowCheckInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinimumGapBackoff = TimeSpan.FromMilliseconds(5);

    private readonly ITransactionLogStore store;
    private readonly TransactionLogExporter exporter;
    private readonly TimeProvider time;
    private readonly ILogger<TransactionLogRelay> logger;
    private readonly PaymentsMetrics metrics;
    private readonly string sinkDestination;
    private readonly TimeSpan pollInterval;

    public TransactionLogRelay(
        ITransactionLogStore store,
        ITransactionLogSink sink,
        IOptions<TransactionLogOptions> options,
        PaymentsMetrics metrics,
        TimeProvider time,
        ILogger<TransactionLogRelay> logger)
        : base(logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(sink);
        this.store = store;
        exporter = new TransactionLogExporter(store, sink, options.Value.BatchSize, metrics, logger, time);
        this.metrics = metrics;
        this.time = time;
        this.logger = logger;
        sinkDestination = sink.Destination;
        pollInterval = TimeSpan.FromMilliseconds(options.Value.PollIntervalMs);
    }

    /// <summary>True while this process holds the relay lock (PostgreSQL) or runs the relay (SQLite).</summary>
    public bool IsLeader { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start-up of the host must not wait for the first database round trip.
        await Task.Yield();
        LogStarting(logger, store.Name, sinkDestination);
        var failures = 0;
        var reportedStandby = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await store.OpenAsync(stoppingToken);
                if (!await store.TryTakeRelayLockAsync(connection, stoppingToken))
                {
                    if (!reportedStandby)
                    {
                        LogStandby(logger);
                        reportedStandby = true;
                    }

                    await Task.Delay(pollInterval, time, stoppingToken);
                    continue;
                }

                reportedStandby = false;
                IsLeader = true;
                try
                {
                    await LeadAsync(connection, () => failures = 0, stoppingToken);
                }
                finally
                {
                    IsLeader = false;
                    metrics.TransactionLogBacklog(-1);
                    if (connection.State == System.Data.ConnectionState.Open)
                    {
                        await ReleaseQuietlyAsync(connection);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                // Sink or store trouble: keep the cursor, back off, retry the same batch.
                failures++;
                metrics.ExportFailed(sinkDestination.StartsWith("s3://", StringComparison.Ordinal) ? "s3" : "directory");
                var backoff = TimeSpan.FromMilliseconds(Math.Min(30_000, pollInterval.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 10))));
                LogFailure(logger, exception, failures, backoff.TotalSeconds);
                try
                {
                    await Task.Delay(backoff, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        LogStopped(logger);
    }

    private async Task LeadAsync(System.Data.Common.DbConnection connection, Action onProgress, CancellationToken stoppingToken)
    {
        if (await store.SeqCacheSizeAsync(connection, stoppingToken) is long cacheSize and > 1)
        {
            LogCacheWarning(logger, cacheSize);
        }

        var gapBackoff = MinimumGapBackoff;
        var nextLateCheck = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!store.GapsAreFinal && time.GetUtcNow() >= nextLateCheck)
            {
                await exporter.ExportLateRowsAsync(connection, stoppingToken);
                nextLateCheck = time.GetUtcNow() + LateRowCheckInterval;
            }

            var step = await exporter.ExportNextBatchAsync(connection, stoppingToken);
            onProgress();
            if (step.MoreAvailable)
            {
                gapBackoff = MinimumGapBackoff;
                continue;
            }

            if (step.BlockedByGap)
            {
                // A writer is mid-transaction below committed rows: it usually ends within
                // milliseconds, so re-check soon, backing off towards the poll interval.
                await Task.Delay(gapBackoff, time, stoppingToken);
                gapBackoff = TimeSpan.FromTicks(Math.Min(pollInterval.Ticks, gapBackoff.Ticks * 2));
                continue;
            }

            gapBackoff = MinimumGapBackoff;
            await Task.Delay(pollInterval, time, stoppingToken);
        }
    }

    private async Task ReleaseQuietlyAsync(System.Data.Common.DbConnection connection)
    {
        try
        {
            await store.ReleaseRelayLockAsync(connection);
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            // The session is broken or closing: the server drops its advisory locks with it.
            LogReleaseFailed(logger, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Transaction-log relay starting ({Store} -> {Destination})")]
    private static partial void LogStarting(ILogger logger, string store, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another process holds the transaction-log relay lock; standing by")]
    private static partial void LogStandby(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transaction-log relay failed ({Failures} in a row); retrying the same batch in {BackoffSeconds} s")]
    private static partial void LogFailure(ILogger logger, Exception exception, int failures, double backoffSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transaction-log relay stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the transaction-log relay lock")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "transaction_log.seq has sequence CACHE {CacheSize}; the relay's gap rule needs CACHE 1 (docs/transaction-log.md). Late rows are still exported, out of order")]
    private static partial void LogCacheWarning(ILogger logger, long cacheSize);
}
