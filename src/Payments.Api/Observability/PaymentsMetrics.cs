using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Payments.Api.Observability;

/// <summary>
/// The service's own metrics (meter <see cref="MeterName"/>) and trace source. Resolve it from DI
/// (singleton) and call the methods; tags never carry card data or free text.
/// </summary>
public sealed class PaymentsMetrics
{
    public const string MeterName = "Payments.Api";

    /// <summary>Activity source for the service's own spans (the relay's export batches).</summary>
    public static readonly ActivitySource ActivitySource = new(MeterName);

    private readonly Counter<long> paymentsCreated;
    private readonly Counter<long> paymentsDeclined;
    private readonly Counter<long> idempotencyReplays;
    private readonly Counter<long> authorizationsVoided;
    private readonly Counter<long> eventsExported;
    private readonly Counter<long> exportFailures;
    private readonly Histogram<double> exportLag;
    private readonly Histogram<int> batchSize;
    private readonly Histogram<int> lookupBatchSize;
    private readonly Histogram<double> batchCommitDuration;
    private readonly Counter<long> batchReruns;

    private readonly Counter<long> ambiguousCommits;

    // Last backlog seen by the leading relay in this process; -1 when this process does not lead.
    private long transactionLogBacklog = -1;

    private Func<int>? pendingVoids;

    private Func<int>? writersWaitingForLock;

    public PaymentsMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        paymentsCreated = meter.CreateCounter<long>(
            "payments.payments.created", unit: "{payment}", description: "Payments created, by resulting status and currency.");
        paymentsDeclined = meter.CreateCounter<long>(
            "payments.payments.declined", unit: "{payment}", description: "Payments declined by the acquirer, by decline code.");
        idempotencyReplays = meter.CreateCounter<long>(
            "payments.idempotency.replays", unit: "{request}", description: "Requests answered from a stored idempotent response.");
        authorizationsVoided = meter.CreateCounter<long>(
            "payments.authorizations.voided", unit: "{authorization}", description: "Approvals whose payment could not be recorded, by whether the acquirer accepted the void.");
        eventsExported = meter.CreateCounter<long>(
            "payments.transaction_log.exported", unit: "{event}", description: "Transaction-log events written to the sink.");
        exportFailures = meter.CreateCounter<long>(
            "payments.transaction_log.export_failures", unit: "{batch}", description: "Relay iterations that failed (sink or store error) and will be retried.");
        exportLag = meter.CreateHistogram<double>(
            "payments.transaction_log.export_lag", unit: "s", description: "Time from an event's commit-time timestamp to its export.");
        batchSize = meter.CreateHistogram<int>(
            "payments.store.batch_size", unit: "{payment}", description: "New payments committed together in one transaction (group commit), by store.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        lookupBatchSize = meter.CreateHistogram<int>(
            "payments.store.key_lookup_batch_size", unit: "{lookup}", description: "Idempotency-key look-ups sent together in one round trip before new payments, by store.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        batchCommitDuration = meter.CreateHistogram<double>(
            "payments.store.batch_commit_duration", unit: "s", description: "Time one group commit took, from BEGIN to a durable COMMIT, by store.");
        batchReruns = meter.CreateCounter<long>(
            "payments.store.batch_reruns", unit: "{commit}",
            description: "Group commits run again after one statement failed, by store and reason (member_refused: one payment's row was refused and is left out; combined_statement_refused: a combined insert failed and the batch runs statement by statement to find whose row it was).");
        ambiguousCommits = meter.CreateCounter<long>(
            "payments.store.ambiguous_commits", unit: "{commit}",
            description: "Commits whose connection failed while COMMIT was in flight, by store and what the read-back found (committed, rolled_back, unknown: needs reconciliation).");
        meter.CreateObservableGauge(
            "payments.transaction_log.backlog",
            ObserveBacklog,
            unit: "{event}",
            description: "Committed transaction-log events not exported yet (highest seq minus the relay cursor); reported by the leading relay only.");
        meter.CreateObservableGauge(
            "payments.authorizations.pending_voids",
            () => pendingVoids?.Invoke() ?? 0,
            unit: "{authorization}",
            description: "Approvals whose void failed that this process holds in its retry queue, not yet recorded in pending_voids nor voided.");
        meter.CreateObservableGauge(
            "payments.store.writers_waiting_for_lock",
            ObserveWritersWaitingForLock,
            unit: "{write}",
            description: "SQLite: writes of this process waiting for the database's write lock, which another process holds (the migrate command, a backup, a shell); none on PostgreSQL.");
    }

    /// <param name="status">The created payment's status (<c>succeeded</c>, <c>requires_capture</c>, <c>failed</c>).</param>
    /// <param name="currency">Lowercase ISO 4217 code.</param>
    public void PaymentCreated(string status, string currency) =>
        paymentsCreated.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("currency", currency));

    /// <param name="code">The error code, e.g. <c>card_declined</c> or <c>expired_card</c>.</param>
    /// <param name="declineCode">The decline code when there is one, e.g. <c>insufficient_funds</c>.</param>
    public void PaymentDeclined(string code, string? declineCode) =>
        paymentsDeclined.Add(1, new KeyValuePair<string, object?>("code", code), new KeyValuePair<string, object?>("decline_code", declineCode ?? "none"));

    /// <param name="route">The route template (never the raw path with ids), e.g. <c>/v1/payments</c>.</param>
    public void IdempotencyReplayed(string route) =>
        idempotencyReplays.Add(1, new KeyValuePair<string, object?>("route", route));

    /// <param name="accepted">False when the void itself failed: an authorization is held without a record.</param>
    public void AuthorizationVoided(bool accepted) =>
        authorizationsVoided.Add(1, new KeyValuePair<string, object?>("result", accepted ? "voided" : "void_failed"));

    /// <summary>A void that failed at first and was accepted on a retry.</summary>
    /// <param name="by"><c>retry_queue</c> (in the process that authorized) or <c>sweeper</c> (from <c>pending_voids</c>).</param>
    public void AuthorizationVoidedLater(string by) =>
        authorizationsVoided.Add(1, new KeyValuePair<string, object?>("result", "voided_later"), new KeyValuePair<string, object?>("by", by));

    /// <summary>Where the pending-voids gauge reads this process's retry queue length.</summary>
    public void ObservePendingVoids(Func<int> count) => pendingVoids = count;

    /// <summary>Where the writers-waiting gauge reads the SQLite writer's count (not called on PostgreSQL: the gauge reports nothing).</summary>
    public void ObserveWritersWaitingForLock(Func<int> count) => writersWaitingForLock = count;

    /// <param name="store"><c>postgres</c> or <c>sqlite</c>.</param>
    /// <param name="payments">Members of the batch, committed or refused on their own.</param>
    public void BatchCommitted(string store, int payments, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("store", store);
        batchSize.Record(payments, tag);
        batchCommitDuration.Record(duration.TotalSeconds, tag);
    }

    /// <param name="store"><c>postgres</c> or <c>sqlite</c>.</param>
    /// <param name="reason"><c>member_refused</c> or <c>combined_statement_refused</c>.</param>
    public void BatchRerun(string store, string reason) =>
        batchReruns.Add(1, new KeyValuePair<string, object?>("store", store), new KeyValuePair<string, object?>("reason", reason));

    /// <param name="store"><c>postgres</c> or <c>sqlite</c>.</param>
    public void KeyLookupsBatched(string store, int lookups) =>
        lookupBatchSize.Record(lookups, new KeyValuePair<string, object?>("store", store));

    /// <param name="store"><c>postgres</c> or <c>sqlite</c>.</param>
    /// <param name="outcome"><c>committed</c>, <c>rolled_back</c> or <c>unknown</c> (its approvals are kept, not voided: reconcile).</param>
    public void AmbiguousCommit(string store, string outcome) =>
        ambiguousCommits.Add(1, new KeyValuePair<string, object?>("store", store), new KeyValuePair<string, object?>("outcome", outcome));

    internal void EventsExported(int count, string sink) =>
        eventsExported.Add(count, new KeyValuePair<string, object?>("sink", sink));

    internal void ExportFailed(string sink) =>
        exportFailures.Add(1, new KeyValuePair<string, object?>("sink", sink));

    internal void ExportLag(TimeSpan lag) => exportLag.Record(Math.Max(0, lag.TotalSeconds));

    /// <summary>Sets the backlog the gauge reports; a negative value stops reporting (not leading).</summary>
    internal void TransactionLogBacklog(long events) => Interlocked.Exchange(ref transactionLogBacklog, events);

    private IEnumerable<Measurement<int>> ObserveWritersWaitingForLock() =>
        writersWaitingForLock is { } count ? [new Measurement<int>(count(), new KeyValuePair<string, object?>("store", "sqlite"))] : [];

    private IEnumerable<Measurement<long>> ObserveBacklog()
    {
        var backlog = Interlocked.Read(ref transactionLogBacklog);
        return backlog < 0 ? [] : [new Measurement<long>(backlog)];
    }
}
