using System.Globalization;
using System.Text.Json;
using Payments.Api.Http;
using Payments.Api.Idempotency;
using Payments.Api.Ledger;
using Payments.Api.Observability;
using Payments.Api.Storage;
using Payments.Api.Storage.Batching;

namespace Payments.Api.Payments;

/// <summary>
/// The statements both SQL stores share (<see cref="PaymentSql"/>, <see cref="LedgerSql"/>) and the
/// shape of their transactions; what differs per store — how a transaction starts, how an
/// idempotency key is claimed, how a payment row is locked, which errors mean what — the
/// subclasses decide.
/// </summary>
/// <remarks>
/// New payments are group-committed (<see cref="CommitBatcher{TItem, TResult}"/>): the key is looked
/// up before the acquirer is asked, no transaction is open while it answers, and the decided payment
/// joins the next batch — one transaction, one commit, for every payment that arrived meanwhile.
/// A member whose statement fails on its own (its key recorded meanwhile by another process, a
/// constraint) is taken out and the rest of the batch runs again, so it never fails its batch-mates;
/// a commit that fails as a whole fails exactly its members — when it failed in flight, only after a read-back
/// on another connection found it did not commit. docs/architecture.md, "Group commit".
/// </remarks>
public abstract partial class SqlPaymentStore : IPaymentStore, IAsyncDisposable, IDisposable
{
    private readonly ReadQueries reads;
    private readonly CommitBatcher<PendingCreate, CreateResult> creates;
    private readonly PaymentsMetrics? metrics;
    private readonly ILogger logger;
    private readonly string storeName;
    private readonly BatchStatistics sinceStart = new();
    private readonly BatchStatistics sinceReport = new();
    private readonly ITimer? reporter;
    private readonly TimeProvider clock;

    protected SqlPaymentStore(ReadQueries reads, BatchingOptions batching, string storeName, PaymentsMetrics? metrics, ILogger? logger, TimeProvider? time)
    {
        this.reads = reads;
        this.metrics = metrics;
        this.storeName = storeName;
        this.logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        clock = time ?? TimeProvider.System;
        creates = new CommitBatcher<PendingCreate, CreateResult>(CommitCreatesAsync, batching, time ?? TimeProvider.System, RecordBatch);
        if (batching.ReportEvery > TimeSpan.Zero)
        {
            reporter = (time ?? TimeProvider.System).CreateTimer(_ => Report(), null, batching.ReportEvery, batching.ReportEvery);
        }
    }

    /// <summary>A transaction on the store's writer.</summary>
    protected abstract ValueTask<WriteSession> BeginAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims the key inside <paramref name="session"/>: false when another transaction holds it,
    /// otherwise the stored row (request_method, request_path, request_hash, response_status,
    /// response_body) of a finished request, or null.
    /// </summary>
    protected abstract Task<(bool Claimed, object?[]? Stored)> ClaimKeyAsync(WriteSession session, string merchantId, string key, CancellationToken cancellationToken);

    /// <summary>The SELECT that reads a payment and keeps others from changing it until commit.</summary>
    protected abstract string LockPaymentSql { get; }

    /// <summary>True when a statement failed because another transaction recorded the same idempotency key first.</summary>
    protected abstract bool IsIdempotencyKeyTaken(Exception exception);

    /// <summary>Deletes at most <c>@batch</c> idempotency records created more than <c>@hours</c> hours ago.</summary>
    protected abstract string DeleteExpiredKeysSql { get; }

    public async Task<PaymentOutcome> CreateAsync(string merchantId, IdempotencyRequest? idempotency, Func<CancellationToken, Task<NewPaymentRecord>> authorize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorize);
        if (idempotency is not null)
        {
            // A finished request is answered from its record without asking the acquirer again. A concurrent
            // one elsewhere is caught when the key's row is inserted (its primary key), in the batch.
            if (await FindIdempotencyRecordAsync(merchantId, idempotency.Key, cancellationToken) is { } stored)
            {
                return Earlier(stored, idempotency);
            }
        }

        var record = await authorize(cancellationToken);
        var statements = CreateStatements(merchantId, record);
        if (idempotency is not null)
        {
            statements.Add(IdempotencyRecord(merchantId, idempotency, record.Response, statements));
        }

        // Once the acquirer has answered, the decision is recorded even if the client goes away.
        var result = await creates.SubmitAsync(new PendingCreate(record.Payment.Id, statements, record.Outcome), CancellationToken.None);
        if (result.Failure is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return result.Outcome!;
    }

    /// <summary>
    /// The stored answer of a finished request with this key (the columns of <see cref="PaymentSql.SelectIdempotencyKey"/>),
    /// or null when there is none.
    /// </summary>
    protected virtual async Task<object?[]?> FindIdempotencyRecordAsync(string merchantId, string key, CancellationToken cancellationToken)
    {
        var stored = await reads.QueryAsync(
            new Statement(PaymentSql.SelectIdempotencyKey, true).Add("merchant_id", merchantId).Add("idempotency_key", key), cancellationToken);
        return stored.Count > 0 ? stored[0] : null;
    }

    /// <summary>New payments waiting for a commit to take them (not those being committed).</summary>
    public int Queued => creates.Queued;

    /// <summary>Stops taking payments and commits those already queued.</summary>
    public async ValueTask DisposeAsync()
    {
        if (reporter is not null)
        {
            await reporter.DisposeAsync();
        }

        await DisposeLookupsAsync();
        await creates.DisposeAsync();
        if (sinceStart.TakeAndReset() is { } total)
        {
            LogBatchSummary(logger, storeName, "since start", total.Commits, total.Payments, total.PerCommit, total.PerPayment, total.Largest);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The batch's statements as fewer, equivalent ones (one per distinct INSERT, all members' rows in it), or
    /// null to send them as they are. <paramref name="owners"/>[i] is the member <paramref name="statements"/>[i] is for.
    /// </summary>
    protected virtual IReadOnlyList<Statement>? CombineInserts(IReadOnlyList<Statement> statements, IReadOnlyList<int> owners) => null;

    /// <summary>Drains whatever a store queues in front of <see cref="CreateAsync"/> (before the creates are drained).</summary>
    protected virtual ValueTask DisposeLookupsAsync() => ValueTask.CompletedTask;

    /// <summary>For hosts that dispose synchronously: the same drain as <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// One transaction for the whole batch (on PostgreSQL one round trip: BEGIN, every member's
    /// statements, COMMIT). When one member's statement fails on its own, that member gets its answer
    /// and the others run again without it; an outage fails the whole batch (the batcher fails its members),
    /// unless the COMMIT was in flight and the read-back finds the batch committed.
    /// </summary>
    private async Task<IReadOnlyList<CreateResult>> CommitCreatesAsync(IReadOnlyList<PendingCreate> batch, CancellationToken cancellationToken)
    {
        var results = new CreateResult[batch.Count];
        var pending = Enumerable.Range(0, batch.Count).ToList();
        var statements = new List<Statement>(batch.Count * 4);
        var owners = new List<int>(batch.Count * 4);
        var combine = true;
        while (pending.Count > 0)
        {
            statements.Clear();
            owners.Clear();
            foreach (var member in pending)
            {
                statements.AddRange(batch[member].Statements);
                owners.AddRange(Enumerable.Repeat(member, batch[member].Statements.Count));
            }

            var combined = combine ? CombineInserts(statements, owners) : null;
            Exception? inFlight = null;
            int? server = null;
            await using (var session = await BeginAsync(cancellationToken))
            {
                try
                {
                    await session.CommitAsync(combined ?? statements, cancellationToken);
                    foreach (var member in pending)
                    {
                        results[member] = new CreateResult(batch[member].Outcome, null);
                    }

                    break;
                }
                catch (Exception exception) when (combined is not null && session.FailedStatement is not null && !StoreFailures.IsTransient(exception))
                {
                    // A combined statement holds many members' rows: the batch runs again statement by statement,
                    // which names the member whose row failed.
                    combine = false;
                    metrics?.BatchRerun(storeName, "combined_statement_refused");
                    LogCombinedRefused(logger, storeName, exception.GetType().Name, pending.Count);
                    continue;
                }
                catch (Exception exception) when (session.FailedStatement is { } failed && !StoreFailures.IsTransient(exception))
                {
                    var culprit = owners[failed];
                    // Another process recorded the key between our look-up and this commit: nothing of this member is kept.
                    results[culprit] = IsIdempotencyKeyTaken(exception)
                        ? new CreateResult(new PaymentOutcome.IdempotencyKeyInUse(), null)
                        : new CreateResult(null, exception);
                    pending.Remove(culprit);
                    metrics?.BatchRerun(storeName, "member_refused");
                    LogMemberRefused(logger, storeName, exception.GetType().Name, pending.Count);
                    continue;
                }
                catch (Exception exception) when (session.CommitOutcomeUnknown)
                {
                    inFlight = exception;
                    server = session.ServerProcessId;
                }
            }

            // The COMMIT may or may not have happened: look (after the session is gone) before anyone voids.
            var ids = pending.Select(member => batch[member].PaymentId).ToList();
            var committed = await ResolveInFlightCommitAsync(ids, server, inFlight!);
            if (committed is not true)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(
                    committed is false ? inFlight! : new CommitOutcomeUnknownException(ids, inFlight!));
            }

            foreach (var member in pending)
            {
                results[member] = new CreateResult(batch[member].Outcome, null);
            }

            break;
        }

        return results;
    }

    /// <summary>
    /// After a commit failed in flight: true when the batch's payments are in the database (it committed),
    /// false when none are and the transaction can no longer commit, null when that cannot be told.
    /// </summary>
    private async Task<bool?> ResolveInFlightCommitAsync(List<string> paymentIds, int? serverProcessId, Exception failure)
    {
        bool? committed;
        try
        {
            using var timeout = new CancellationTokenSource(ReadBackTimeout);
            committed = await WasCommittedAsync(paymentIds, serverProcessId, failure, timeout.Token);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogReadBackFailed(logger, exception, storeName);
            committed = null;
        }

        var outcome = committed switch { true => "committed", false => "rolled_back", null => "unknown" };
        metrics?.AmbiguousCommit(storeName, outcome);
        if (committed is null)
        {
            // With the ids, this line is what an operator reconciles from.
            LogCommitOutcomeUnknown(logger, failure, storeName, paymentIds.Count, paymentIds);
        }
        else
        {
            LogCommitResolved(logger, storeName, failure.GetType().Name, paymentIds.Count, outcome);
        }

        return committed;
    }

    /// <summary>How long the read-back after a failed in-flight commit may take (connecting included).</summary>
    protected static readonly TimeSpan ReadBackTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a batch whose COMMIT failed in flight committed, read on another connection: true when all its
    /// payments exist, false when none does (once the transaction can no longer commit), null otherwise.
    /// </summary>
    protected virtual async Task<bool?> WasCommittedAsync(IReadOnlyList<string> paymentIds, int? serverProcessId, Exception failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paymentIds);
        var statement = new Statement(
            "SELECT COUNT(*) FROM payments WHERE id IN (" + string.Join(", ", paymentIds.Select((_, i) => "@id" + i.ToString(CultureInfo.InvariantCulture))) + ")", true);
        for (var i = 0; i < paymentIds.Count; i++)
        {
            statement.Add("id" + i.ToString(CultureInfo.InvariantCulture), paymentIds[i]);
        }

        var rows = await reads.QueryAsync(statement, cancellationToken);
        var found = Convert.ToInt32(rows[0][0], CultureInfo.InvariantCulture);
        // One transaction: all or nothing. Anything in between is not a state this store can be in.
        return found == paymentIds.Count ? true : found == 0 ? false : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group commit ({Store}): the commit of {Payments} payments failed in flight ({Exception}); read back from another connection: {Outcome}")]
    private static partial void LogCommitResolved(ILogger logger, string store, string exception, int payments, string outcome);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Group commit ({Store}): the commit of {Payments} payments failed in flight and its outcome cannot be read back; their authorizations are kept for reconciliation: {PaymentIds}")]
    private static partial void LogCommitOutcomeUnknown(ILogger logger, Exception exception, string store, int payments, IReadOnlyList<string> paymentIds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Group commit ({Store}): reading back a commit that failed in flight failed")]
    private static partial void LogReadBackFailed(ILogger logger, Exception exception, string store);

    private void RecordBatch(int size, TimeSpan duration)
    {
        sinceStart.Add(size);
        sinceReport.Add(size);
        metrics?.BatchCommitted(storeName, size, duration);
    }

    private void Report()
    {
        if (sinceReport.TakeAndReset() is { } window)
        {
            LogBatchSummary(logger, storeName, "last interval", window.Commits, window.Payments, window.PerCommit, window.PerPayment, window.Largest);
        }
    }

    private List<Statement> CreateStatements(string merchantId, NewPaymentRecord record)
    {
        var payment = record.Payment;
        var statements = new List<Statement>(4)
        {
            new Statement(PaymentSql.InsertPayment)
                .Add("payment_id", payment.Id)
                .Add("merchant_id", merchantId)
                .Add("status", payment.Status.WireName())
                .Add("amount", payment.Amount)
                .Add("amount_capturable", payment.AmountCapturable)
                .Add("amount_captured", payment.AmountCaptured)
                .Add("currency", payment.Currency)
                .Add("card_brand", payment.Card.Brand)
                .Add("card_last4", payment.Card.Last4)
                .Add("card_exp_month", payment.Card.ExpMonth)
                .Add("card_exp_year", payment.Card.ExpYear)
                .Add("card_fingerprint", record.CardFingerprint)
                .Add("description", payment.Description)
                .Add("metadata", payment.Metadata.Count == 0 ? "{}" : JsonSerializer.Serialize(payment.Metadata, PaymentsJson.Context.IReadOnlyDictionaryStringString))
                .Add("failure_code", payment.FailureCode)
                .Add("decline_code", payment.DeclineCode)
                .Add("failure_message", payment.FailureMessage)
                .Add("created", payment.Created),
        };
        if (record.Ledger is { } entry)
        {
            statements.Add(Ledger(entry, merchantId, payment, refundId: null));
        }

        statements.Add(Event(merchantId, record.Event));
        return statements;
    }

    /// <summary>A payment decided and waiting for its batch: its statements (with the key's row) and its outcome once committed.</summary>
    private sealed record PendingCreate(string PaymentId, List<Statement> Statements, PaymentOutcome Outcome);

    /// <summary>A member's result: its outcome, or the failure of its own statement (exactly one is set).</summary>
    private readonly record struct CreateResult(PaymentOutcome? Outcome, Exception? Failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group commit ({Store}, {Span}): {Commits} commits of {Payments} new payments, {PerCommit:F1} per commit, {PerPayment:F1} as seen by the average payment, largest {Largest}")]
    private static partial void LogBatchSummary(ILogger logger, string store, string span, long commits, long payments, double perCommit, double perPayment, int largest);

    /// <summary>Batch sizes over a span: commits, payments, Σ size² (for the payment-weighted mean) and the largest.</summary>
    private sealed class BatchStatistics
    {
        private readonly Lock gate = new();
        private long commits;
        private long payments;
        private long squares;
        private int largest;

        public void Add(int size)
        {
            lock (gate)
            {
                commits++;
                payments += size;
                squares += (long)size * size;
                largest = Math.Max(largest, size);
            }
        }

        /// <summary>What was added since the last call; null when nothing was.</summary>
        public Summary? TakeAndReset()
        {
            lock (gate)
            {
                if (commits == 0)
                {
                    return null;
                }

                var summary = new Summary(commits, payments, (double)payments / commits, (double)squares / payments, largest);
                commits = payments = squares = 0;
                largest = 0;
                return summary;
            }
        }
    }

    /// <param name="PerPayment">The size of the batch the average payment was committed in (Σ size² / Σ size).</param>
    private sealed record Summary(long Commits, long Payments, double PerCommit, double PerPayment, int Largest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group commit ({Store}): a combined insert failed ({Exception}); the batch of {Payments} runs again statement by statement to find whose row it was")]
    private static partial void LogCombinedRefused(ILogger logger, string store, string exception, int payments);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group commit ({Store}): one payment's write failed on its own ({Exception}); {Remaining} batch-mates run again without it")]
    private static partial void LogMemberRefused(ILogger logger, string store, string exception, int remaining);

    public async Task<PaymentOutcome> ChangeAsync(string merchantId, string paymentId, IdempotencyRequest? idempotency, Func<Payment, PaymentChange> decide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decide);
        await using var session = await BeginAsync(cancellationToken);
        if (idempotency is not null && await ClaimAsync(session, merchantId, idempotency, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        var locked = await session.RunAsync([new Statement(LockPaymentSql, true).Add("payment_id", paymentId).Add("merchant_id", merchantId)], cancellationToken);
        if (locked[0].Rows.Count == 0)
        {
            return new PaymentOutcome.PaymentNotFound(paymentId);
        }

        var payment = ReadPayment(locked[0].Rows[0]);
        var decision = decide(payment);
        if (decision is PaymentChange.Reject rejected)
        {
            return rejected.Outcome;
        }

        var change = (PaymentChange.Apply)decision;

        var (sql, action) = change.Transition switch
        {
            PaymentTransition.Capture => (PaymentSql.CapturePayment, "capture"),
            PaymentTransition.Cancel => (PaymentSql.CancelPayment, "cancel"),
            PaymentTransition.Refund => (PaymentSql.AddRefundToPayment, "refund"),
            _ => throw new ArgumentOutOfRangeException(nameof(decide), change.Transition, "unknown transition"),
        };
        var update = new Statement(sql).Add("payment_id", paymentId).Add("merchant_id", merchantId);
        if (change.Transition != PaymentTransition.Cancel)
        {
            update.Add("amount", change.Amount);
        }

        var updated = await session.RunAsync([update], cancellationToken);
        if (updated[0].RecordsAffected != 1)
        {
            // The row is locked, so this only happens if the locking is broken; refuse rather than double-move money.
            return new PaymentOutcome.ConcurrentChange(paymentId, action);
        }

        var statements = new List<Statement>(6);
        if (change.Refund is { } refund)
        {
            statements.Add(new Statement(PaymentSql.InsertRefund)
                .Add("refund_id", refund.Id)
                .Add("merchant_id", merchantId)
                .Add("payment_id", paymentId)
                .Add("amount", refund.Amount)
                .Add("currency", refund.Currency)
                .Add("reason", refund.Reason)
                .Add("created", refund.Created));
        }

        foreach (var entry in change.Ledger)
        {
            statements.Add(Ledger(entry, merchantId, payment, change.Refund?.Id));
        }

        foreach (var outboxEvent in change.Events)
        {
            statements.Add(Event(merchantId, outboxEvent));
        }

        return await CommitAsync(session, statements, merchantId, idempotency, change.Response, change.Outcome);
    }

    public async Task<Payment?> FindAsync(string merchantId, string paymentId, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(new Statement(PaymentSql.SelectPayment, true).Add("payment_id", paymentId).Add("merchant_id", merchantId), cancellationToken);
        return rows.Count == 0 ? null : ReadPayment(rows[0]);
    }

    /// <summary>
    /// The list position after <paramref name="startingAfter"/> (its <c>seq</c>; the end of the list when null), or
    /// null when that payment is not the merchant's.
    /// </summary>
    internal static async Task<long?> PaymentCursorAsync(ReadQueries reads, string merchantId, string? startingAfter, CancellationToken cancellationToken)
    {
        if (startingAfter is null)
        {
            return long.MaxValue;
        }

        var found = await reads.QueryAsync(new Statement("SELECT seq FROM payments WHERE id = @payment_id AND merchant_id = @merchant_id", true)
            .Add("payment_id", startingAfter).Add("merchant_id", merchantId), cancellationToken);
        return found.Count == 0 ? null : Convert.ToInt64(found[0][0], CultureInfo.InvariantCulture);
    }

    public async Task<Page<Payment>?> ListAsync(string merchantId, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        if (await PaymentCursorAsync(reads, merchantId, startingAfter, cancellationToken) is not { } cursor)
        {
            return null;
        }

        var rows = await reads.QueryAsync(new Statement(
                "SELECT " + PaymentSql.PaymentColumns + " FROM payments WHERE merchant_id = @merchant_id AND seq < @cursor ORDER BY seq DESC LIMIT @limit", true)
            .Add("merchant_id", merchantId).Add("cursor", cursor).Add("limit", limit + 1), cancellationToken);
        return new Page<Payment>(rows.Take(limit).Select(ReadPayment).ToList(), rows.Count > limit);
    }

    public async Task<Page<Refund>?> ListRefundsAsync(string merchantId, string paymentId, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        var cursor = long.MaxValue;
        if (startingAfter is not null)
        {
            var found = await reads.QueryAsync(new Statement("SELECT seq FROM refunds WHERE id = @refund_id AND payment_id = @payment_id AND merchant_id = @merchant_id", true)
                .Add("refund_id", startingAfter).Add("payment_id", paymentId).Add("merchant_id", merchantId), cancellationToken);
            if (found.Count == 0)
            {
                return null;
            }

            cursor = Convert.ToInt64(found[0][0], CultureInfo.InvariantCulture);
        }

        var rows = await reads.QueryAsync(new Statement(
                "SELECT " + PaymentSql.RefundColumns + " FROM refunds WHERE payment_id = @payment_id AND merchant_id = @merchant_id AND seq < @cursor ORDER BY seq DESC LIMIT @limit", true)
            .Add("payment_id", paymentId).Add("merchant_id", merchantId).Add("cursor", cursor).Add("limit", limit + 1), cancellationToken);
        return new Page<Refund>(rows.Take(limit).Select(ReadRefund).ToList(), rows.Count > limit);
    }

    public async Task<IReadOnlyList<CurrencyBalance>> BalanceAsync(string merchantId, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(new Statement(LedgerSql.Balance, true).Add("merchant_id", merchantId), cancellationToken);
        return rows.Select(r => new CurrencyBalance(
            (string)r[0]!, Convert.ToInt64(r[1], CultureInfo.InvariantCulture), Convert.ToInt64(r[2], CultureInfo.InvariantCulture))).ToList();
    }

    public async Task<int> DeleteExpiredIdempotencyKeysAsync(int retentionHours, int batchSize, CancellationToken cancellationToken)
    {
        // A write transaction of its own: on SQLite it queues behind the writer gate like any write.
        await using var session = await BeginAsync(cancellationToken);
        var results = await session.CommitAsync([new Statement(DeleteExpiredKeysSql).Add("hours", retentionHours).Add("batch", batchSize)], cancellationToken);
        return results[0].RecordsAffected;
    }

    /// <summary>The earlier request's outcome when the key was used before (or is in use); null when this request may proceed.</summary>
    private async Task<PaymentOutcome?> ClaimAsync(WriteSession session, string merchantId, IdempotencyRequest idempotency, CancellationToken cancellationToken)
    {
        var (claimed, stored) = await ClaimKeyAsync(session, merchantId, idempotency.Key, cancellationToken);
        if (!claimed)
        {
            return new PaymentOutcome.IdempotencyKeyInUse();
        }

        return stored is null ? null : Earlier(stored, idempotency);
    }

    /// <summary>What a finished request with this key answers now: its stored response, or a refusal when it asked something else.</summary>
    private static PaymentOutcome Earlier(object?[] stored, IdempotencyRequest idempotency)
    {
        if (!idempotency.AsksTheSameAs((string)stored[0]!, (string)stored[1]!, (string)stored[2]!))
        {
            return new PaymentOutcome.IdempotencyKeyReused((string)stored[0]!, (string)stored[1]!);
        }

        var body = (string?)stored[4] ?? throw new InvalidOperationException(
            $"the record of Idempotency-Key '{idempotency.Key}' points at an event that is not in the transaction log");
        return new PaymentOutcome.Replayed(new StoredResponse(Convert.ToInt32(stored[3], CultureInfo.InvariantCulture), body));
    }

    /// <summary>
    /// The key's record. A response that is the payload of an event among <paramref name="statements"/> (every
    /// 2xx: the resource as it is after the change) is kept once, in the transaction log, and the record points at
    /// that event; any other (a decline's error object) is kept in the record.
    /// </summary>
    private static Statement IdempotencyRecord(string merchantId, IdempotencyRequest idempotency, StoredResponse response, List<Statement> statements)
    {
        var eventId = EventWithPayload(statements, response.Body);
        return new Statement(PaymentSql.InsertIdempotencyKey)
            .Add("merchant_id", merchantId)
            .Add("idempotency_key", idempotency.Key)
            .Add("request_method", idempotency.Method)
            .Add("request_path", idempotency.Path)
            .Add("request_hash", idempotency.RequestHash)
            .Add("response_status", response.Status)
            .Add("response_body", eventId is null ? response.Body : "")
            .Add("response_event_id", eventId);
    }

    private static string? EventWithPayload(List<Statement> statements, string body)
    {
        foreach (var statement in statements)
        {
            if (statement.Sql == PaymentSql.InsertEvent
                && statement.Parameters.Exists(p => p.Key == "payload" && (string?)p.Value == body)
                && statement.Parameters.Find(p => p.Key == "event_id").Value is string eventId)
            {
                return eventId;
            }
        }

        return null;
    }

    private async Task<PaymentOutcome> CommitAsync(WriteSession session, List<Statement> statements, string merchantId, IdempotencyRequest? idempotency, StoredResponse response, PaymentOutcome outcome)
    {
        if (idempotency is not null)
        {
            statements.Add(IdempotencyRecord(merchantId, idempotency, response, statements));
        }

        try
        {
            // Once the decision is made (the acquirer has answered) it is recorded even if the client goes away.
            await session.CommitAsync(statements, CancellationToken.None);
        }
        catch (Exception exception) when (IsIdempotencyKeyTaken(exception))
        {
            // Another process recorded the key between our look-up and commit; nothing of ours was written.
            return new PaymentOutcome.IdempotencyKeyInUse();
        }

        return outcome;
    }

    private static Statement Ledger(LedgerEntry entry, string merchantId, Payment payment, string? refundId)
    {
        var sql = entry.Movement switch
        {
            LedgerMovement.Authorize => LedgerSql.Authorize,
            LedgerMovement.AuthorizeAndCapture => LedgerSql.AuthorizeAndCapture,
            LedgerMovement.Capture => LedgerSql.Capture,
            LedgerMovement.Release => LedgerSql.Release,
            LedgerMovement.Refund => LedgerSql.Refund,
            _ => throw new ArgumentOutOfRangeException(nameof(entry), entry.Movement, "unknown ledger movement"),
        };
        var statement = new Statement(sql).Add("merchant_id", merchantId).Add("payment_id", payment.Id);
        if (entry.Movement == LedgerMovement.Refund)
        {
            statement.Add("refund_id", refundId ?? throw new ArgumentException("a refund movement needs its refund", nameof(refundId)));
        }

        return statement.Add("currency", payment.Currency).Add("amount", entry.Amount);
    }

    private Statement Event(string merchantId, OutboxEvent outboxEvent) =>
        new Statement(PaymentSql.InsertEvent)
            .Add("event_id", Ids.NewSortable("evt_", clock.GetUtcNow().ToUnixTimeMilliseconds()))
            .Add("merchant_id", merchantId)
            .Add("event_type", outboxEvent.Type)
            .Add("object_id", outboxEvent.ObjectId)
            .Add("payload", outboxEvent.Payload);

    internal static Payment ReadPayment(object?[] row)
    {
        static long L(object? value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
        static int I(object? value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);
        var metadataJson = (string)row[12]!;
        IReadOnlyDictionary<string, string> metadata = metadataJson == "{}"
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize(metadataJson, PaymentsJson.Context.DictionaryStringString)!;
        return new Payment(
            (string)row[0]!, PaymentMapping.ParseStatus((string)row[1]!), L(row[2]), L(row[3]), L(row[4]), L(row[5]), (string)row[6]!,
            new StoredCard((string)row[7]!, (string)row[8]!, I(row[9]), I(row[10])),
            (string?)row[11], metadata, L(row[13]), (string?)row[14], (string?)row[16], (string?)row[15]);
    }

    private static Refund ReadRefund(object?[] row) =>
        new((string)row[0]!, (string)row[1]!, Convert.ToInt64(row[2], CultureInfo.InvariantCulture), (string)row[3]!,
            (string?)row[5], Convert.ToInt64(row[6], CultureInfo.InvariantCulture));
}
