using Npgsql;
using Payments.Api.Storage;

namespace Payments.Api.Payments;

/// <summary>
/// Payments on PostgreSQL. A transaction is a pooled warm connection (<see cref="PostgresWriteSession"/>:
/// one round trip for BEGIN and the reads, one for the writes and COMMIT). An idempotency key is
/// claimed with a transaction-scoped advisory lock on merchant+key, held until the commit that
/// records the key; payment rows are locked with <c>SELECT … FOR UPDATE</c>.
/// </summary>
public sealed class PostgresPaymentStore(PostgresConnectionFactory connections, ReadQueries reads) : SqlPaymentStore(reads)
{
    /// <summary>Try-lock for merchant+key until the transaction ends; false when another transaction holds it.</summary>
    public const string LockIdempotencyKey =
        "SELECT pg_try_advisory_xact_lock(hashtextextended(@merchant_id || ':' || @idempotency_key, 0))";

    protected override string LockPaymentSql => PaymentSql.SelectPayment + " FOR UPDATE";

    protected override async ValueTask<WriteSession> BeginAsync(CancellationToken cancellationToken) =>
        new PostgresWriteSession(await connections.Pool.RentAsync(cancellationToken), connections.Pool, connections);

    protected override async Task<(bool Claimed, object?[]? Stored)> ClaimKeyAsync(WriteSession session, string merchantId, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var results = await session.RunAsync(
        [
            new Statement(LockIdempotencyKey, true).Add("merchant_id", merchantId).Add("idempotency_key", key),
            new Statement(PaymentSql.SelectIdempotencyKey, true).Add("merchant_id", merchantId).Add("idempotency_key", key),
        ], cancellationToken);
        return results[0].Rows[0][0] is not true
            ? (false, null)
            : (true, results[1].Rows.Count > 0 ? results[1].Rows[0] : null);
    }

    protected override string DeleteExpiredKeysSql =>
        "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => @hours) LIMIT @batch)";

    protected override bool IsIdempotencyKeyTaken(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "idempotency_keys_pkey" };
}
