using Microsoft.Data.Sqlite;
using Payments.Api.Observability;
using Payments.Api.Storage;
using Payments.Api.Storage.Batching;

namespace Payments.Api.Payments;

/// <summary>
/// Payments in one SQLite file. Writers are serialised: a transaction holds the process's writer gate
/// and <c>BEGIN IMMEDIATE</c> (the database's write lock, also against other processes) from its
/// first statement to COMMIT, so the look-up of an idempotency key and the read of a payment row are
/// already exclusive and need no lock of their own. New payments commit in batches, one
/// transaction (one fsync with <c>synchronous=FULL</c>) per batch.
/// </summary>
public sealed class SqlitePaymentStore(
    SqliteConnectionFactory connections,
    ReadQueries reads,
    BatchingOptions? batching = null,
    PaymentsMetrics? metrics = null,
    ILogger<SqlitePaymentStore>? logger = null,
    TimeProvider? time = null)
    : SqlPaymentStore(reads, batching ?? BatchingOptions.ForSqlite(), "sqlite", metrics, logger, time)
{
    private const int SqliteConstraint = 19;
    private const int SqliteIoError = 10;

    protected override string LockPaymentSql => PaymentSql.SelectPayment;

    protected override ValueTask<WriteSession> BeginAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<WriteSession>(new SqliteWriteSession(connections));

    protected override async Task<(bool Claimed, object?[]? Stored)> ClaimKeyAsync(WriteSession session, string merchantId, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var results = await session.RunAsync(
            [new Statement(PaymentSql.SelectIdempotencyKey, true).Add("merchant_id", merchantId).Add("idempotency_key", key)], cancellationToken);
        return (true, results[0].Rows.Count > 0 ? results[0].Rows[0] : null);
    }

    /// <summary>
    /// A COMMIT that failed with an I/O error may have left its frames in the WAL without making them visible;
    /// recovery after a crash could bring them back, so "absent" is not final then.
    /// </summary>
    protected override async Task<bool?> WasCommittedAsync(IReadOnlyList<string> paymentIds, int? serverProcessId, Exception failure, CancellationToken cancellationToken)
    {
        var committed = await base.WasCommittedAsync(paymentIds, serverProcessId, failure, cancellationToken);
        return committed is false && failure is SqliteException { SqliteErrorCode: SqliteIoError } ? null : committed;
    }

    protected override string DeleteExpiredKeysSql =>
        "DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || @hours || ' hours') LIMIT @batch)";

    protected override bool IsIdempotencyKeyTaken(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteConstraint } constraint
        && constraint.Message.Contains("idempotency_keys", StringComparison.Ordinal);
}
