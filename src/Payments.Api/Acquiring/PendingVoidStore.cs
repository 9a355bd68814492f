using System.Globalization;
using Payments.Api.Storage;

namespace Payments.Api.Acquiring;

/// <summary>A recorded approval still to be voided, as the sweeper sees it.</summary>
public sealed record DueVoid(string AuthorizationId, string PaymentId, int Attempts, long NextAttemptAt);

/// <summary>
/// The <c>pending_voids</c> table: approvals whose void failed, kept until the acquirer accepts one.
/// Times are Unix milliseconds and the statements are valid in both dialects (SQLite ≥ 3.24 reads
/// PostgreSQL's <c>ON CONFLICT</c>), so one class serves both stores.
/// </summary>
public sealed class PendingVoidStore(IConnectionFactory connections, ReadQueries reads)
{
    /// <summary>Records a void to retry, due at <paramref name="dueAt"/>; a record already there stays as it is.</summary>
    public Task RecordAsync(string authorizationId, string paymentId, string reason, long now, long dueAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO pending_voids (authorization_id, payment_id, reason, created_at, attempts, next_attempt_at) " +
            "VALUES (@authorization_id, @payment_id, @reason, @now, 0, @due_at) ON CONFLICT (authorization_id) DO NOTHING",
            cancellationToken,
            ("authorization_id", authorizationId), ("payment_id", paymentId), ("reason", reason), ("now", now), ("due_at", dueAt));

    /// <summary>
    /// Records a void that already happened (retried in process while the database was away). Should an
    /// earlier attempt to record it have committed after all, that record is marked voided, so the
    /// sweeper does not void it again.
    /// </summary>
    public Task RecordVoidedAsync(string authorizationId, string paymentId, string reason, int attempts, long now, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO pending_voids (authorization_id, payment_id, reason, created_at, attempts, next_attempt_at, resolved_at, resolution) " +
            "VALUES (@authorization_id, @payment_id, @reason, @now, @attempts, @now, @now, 'voided') " +
            "ON CONFLICT (authorization_id) DO UPDATE SET resolved_at = coalesce(pending_voids.resolved_at, excluded.resolved_at), " +
            "resolution = coalesce(pending_voids.resolution, excluded.resolution)",
            cancellationToken,
            ("authorization_id", authorizationId), ("payment_id", paymentId), ("reason", reason), ("attempts", attempts), ("now", now));

    /// <summary>Records not voided yet whose next attempt is due, oldest due first.</summary>
    public async Task<IReadOnlyList<DueVoid>> DueAsync(long now, int limit, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(
            new Statement(
                "SELECT authorization_id, payment_id, attempts, next_attempt_at FROM pending_voids " +
                "WHERE resolved_at IS NULL AND next_attempt_at <= @now ORDER BY next_attempt_at LIMIT @limit", true)
                .Add("now", now).Add("limit", limit),
            cancellationToken);
        return rows.Select(row => new DueVoid(
            (string)row[0]!, (string)row[1]!, Convert.ToInt32(row[2], CultureInfo.InvariantCulture), Convert.ToInt64(row[3], CultureInfo.InvariantCulture))).ToList();
    }

    /// <summary>
    /// Takes <paramref name="due"/> for one attempt: moves its next attempt to <paramref name="leaseUntil"/>
    /// unless another sweeper took it first (then false). A sweeper that dies mid-attempt leaves the
    /// record due again once the lease ends.
    /// </summary>
    public async Task<bool> ClaimAsync(DueVoid due, long leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(due);
        return await ExecuteAsync(
            "UPDATE pending_voids SET next_attempt_at = @lease_until, attempts = attempts + 1 " +
            "WHERE authorization_id = @authorization_id AND resolved_at IS NULL AND next_attempt_at = @seen",
            cancellationToken,
            ("lease_until", leaseUntil), ("authorization_id", due.AuthorizationId), ("seen", due.NextAttemptAt)) == 1;
    }

    /// <summary>Closes the record: <c>voided</c>, or <c>payment_recorded</c> when there was nothing to void.</summary>
    public Task ResolveAsync(string authorizationId, string resolution, long now, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE pending_voids SET resolved_at = @now, resolution = @resolution, last_error = NULL WHERE authorization_id = @authorization_id AND resolved_at IS NULL",
            cancellationToken, ("now", now), ("resolution", resolution), ("authorization_id", authorizationId));

    /// <summary>
    /// Whether the payment was recorded after all: a write reported as failed whose commit reached the
    /// database while its answer was lost. Its authorization then holds a real payment's funds.
    /// </summary>
    public async Task<bool> PaymentRecordedAsync(string paymentId, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(new Statement("SELECT COUNT(*) FROM payments WHERE id = @payment_id", true).Add("payment_id", paymentId), cancellationToken);
        return Convert.ToInt64(rows[0][0], CultureInfo.InvariantCulture) > 0;
    }

    public Task RetryLaterAsync(string authorizationId, long nextAttemptAt, string error, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE pending_voids SET next_attempt_at = @next, last_error = @error WHERE authorization_id = @authorization_id AND resolved_at IS NULL",
            cancellationToken, ("next", nextAttemptAt), ("error", error), ("authorization_id", authorizationId));

    // A write transaction of its own (on SQLite the writer's, bounded by the commit timeout): these records are
    // written when a payment's write failed, often because the database is busy or away, and the callers retry later.
    private Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        connections.WriteAsync(async (connection, transaction) =>
        {
            await using var command = Db.Command(connection, transaction, sql, parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
}
