using Microsoft.Extensions.Options;
using Payments.Api.Hosting;
using Payments.Api.Observability;

namespace Payments.Api.Acquiring;

/// <summary>
/// Approvals whose void the acquirer refused, held in this process until they are safe: recorded in
/// <c>pending_voids</c> for the worker's sweeper (<see cref="PendingVoidSweeper"/>), or voided here.
/// The write that lost the payment usually failed because the database is away, so each attempt
/// first tries to record the void and, while the database is still away, asks the acquirer again;
/// a void that succeeds here is recorded as done once the database is back, so the sweeper never
/// repeats it. Attempts back off from <see cref="PendingVoidOptions.RetryInitialDelay"/> to
/// <see cref="PendingVoidOptions.RetryMaxDelay"/>. What is still queued when the process stops is
/// logged at Critical with its authorization id (the acquirer expires it eventually).
/// </summary>
public sealed partial class VoidRetries : DatabaseBackgroundService
{
    private readonly IAcquirer acquirer;
    private readonly PendingVoidStore store;
    private readonly PendingVoidOptions options;
    private readonly PaymentsMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger<VoidRetries> logger;
    private readonly List<Entry> entries = [];
    private readonly SemaphoreSlim running = new(1, 1);
    private readonly SemaphoreSlim wake = new(0, 1);

    public VoidRetries(
        IAcquirer acquirer, PendingVoidStore store, IOptions<PendingVoidOptions> options, PaymentsMetrics metrics, TimeProvider time, ILogger<VoidRetries> logger)
        : base(logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        this.acquirer = acquirer;
        this.store = store;
        this.options = options.Value;
        this.metrics = metrics;
        this.time = time;
        this.logger = logger;
        metrics.ObservePendingVoids(() => Count);
    }

    /// <summary>Voids held in this process (neither recorded nor done).</summary>
    public int Count
    {
        get
        {
            lock (entries)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>Takes an approval whose void just failed; the first attempt is due at once.</summary>
    public void Enqueue(string authorizationId, string paymentId, string reason) => Add(authorizationId, paymentId, reason, recordOnly: false);

    /// <summary>
    /// Takes an approval whose payment may or may not be recorded (its commit's outcome is unknown):
    /// it is only recorded for the sweeper, never voided from here, because the sweeper voids only
    /// after seeing that the payment is absent.
    /// </summary>
    public void EnqueueUnresolved(string authorizationId, string paymentId, string reason) => Add(authorizationId, paymentId, reason, recordOnly: true);

    private void Add(string authorizationId, string paymentId, string reason, bool recordOnly)
    {
        lock (entries)
        {
            if (entries.Count >= options.MaxQueued)
            {
                LogQueueFull(logger, authorizationId, paymentId, reason);
                return;
            }

            entries.Add(new Entry(authorizationId, paymentId, reason) { DueAt = time.GetUtcNow(), RecordOnly = recordOnly });
        }

        if (wake.CurrentCount == 0)
        {
            try
            {
                wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>
    /// One pass over the entries that are due; returns how many remain. Passes never overlap, so an
    /// entry is never attempted twice at once.
    /// </summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        await running.WaitAsync(cancellationToken);
        try
        {
            List<Entry> due;
            var now = time.GetUtcNow();
            lock (entries)
            {
                due = entries.Where(e => e.DueAt <= now).ToList();
            }

            foreach (var entry in due)
            {
                if (await AttemptAsync(entry, cancellationToken))
                {
                    lock (entries)
                    {
                        entries.Remove(entry);
                    }
                }
                else
                {
                    entry.DueAt = time.GetUtcNow() + PendingVoidOptions.Backoff(options.RetryInitialDelay, options.RetryMaxDelay, entry.Attempts);
                }
            }

            return Count;
        }
        finally
        {
            running.Release();
        }
    }

    /// <summary>True when the entry is settled (recorded for the sweeper, or voided and recorded as such).</summary>
    private async Task<bool> AttemptAsync(Entry entry, CancellationToken cancellationToken)
    {
        entry.Attempts++;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!entry.Voided)
        {
            try
            {
                await store.RecordAsync(entry.AuthorizationId, entry.PaymentId, entry.Reason, now, now, cancellationToken);
                LogRecorded(logger, entry.AuthorizationId, entry.PaymentId, entry.Attempts);
                return true;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogRecordFailed(logger, exception.GetType().Name, entry.AuthorizationId, entry.Attempts);
                if (entry.RecordOnly)
                {
                    return false;
                }
            }

            try
            {
                await acquirer.VoidAsync(entry.AuthorizationId, cancellationToken);
                entry.Voided = true;
                metrics.AuthorizationVoidedLater("retry_queue");
                LogVoided(logger, entry.AuthorizationId, entry.PaymentId, entry.Attempts);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogVoidFailed(logger, exception.GetType().Name, entry.AuthorizationId, entry.Attempts);
                return false;
            }
        }

        try
        {
            await store.RecordVoidedAsync(entry.AuthorizationId, entry.PaymentId, entry.Reason, entry.Attempts, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogRecordFailed(logger, exception.GetType().Name, entry.AuthorizationId, entry.Attempts);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RunDueAsync(stoppingToken);
                DateTimeOffset? next;
                lock (entries)
                {
                    next = entries.Count == 0 ? null : entries.Min(e => e.DueAt);
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var woken = wake.WaitAsync(wait.Token);
                if (next is { } dueAt)
                {
                    var delay = dueAt - time.GetUtcNow();
                    await Task.WhenAny(woken, Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, time, wait.Token));
                }
                else
                {
                    await woken;
                }

                await wait.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            lock (entries)
            {
                foreach (var entry in entries.Where(e => !e.Voided))
                {
                    LogLost(logger, entry.AuthorizationId, entry.PaymentId, entry.Reason);
                }
            }
        }
    }

    public override void Dispose()
    {
        running.Dispose();
        wake.Dispose();
        base.Dispose();
    }

    private sealed class Entry(string authorizationId, string paymentId, string reason)
    {
        public string AuthorizationId { get; } = authorizationId;

        public string PaymentId { get; } = paymentId;

        public string Reason { get; } = reason;

        public int Attempts { get; set; }

        public bool Voided { get; set; }

        public bool RecordOnly { get; init; }

        public DateTimeOffset DueAt { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Authorization {AuthorizationId} of payment {PaymentId} recorded for the void sweeper (attempt {Attempt})")]
    private static partial void LogRecorded(ILogger logger, string authorizationId, string paymentId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the pending void of authorization {AuthorizationId} ({Exception}, attempt {Attempt}); retrying")]
    private static partial void LogRecordFailed(ILogger logger, string exception, string authorizationId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voided authorization {AuthorizationId} of payment {PaymentId} on retry {Attempt}")]
    private static partial void LogVoided(ILogger logger, string authorizationId, string paymentId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Void of authorization {AuthorizationId} failed again ({Exception}, attempt {Attempt}); retrying")]
    private static partial void LogVoidFailed(ILogger logger, string exception, string authorizationId, int attempt);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Void retry queue is full: authorization {AuthorizationId} of payment {PaymentId} is held without a record ({Reason}) and will not be retried")]
    private static partial void LogQueueFull(ILogger logger, string authorizationId, string paymentId, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Stopping with authorization {AuthorizationId} of payment {PaymentId} neither voided nor recorded ({Reason})")]
    private static partial void LogLost(ILogger logger, string authorizationId, string paymentId, string reason);
}
