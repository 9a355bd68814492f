using Npgsql;
using Payments.Api.Observability;
using Payments.Api.Storage;
using Payments.Api.Storage.Batching;

namespace Payments.Api.Payments;

/// <summary>
/// Payments on PostgreSQL. A transaction is a pooled warm connection (<see cref="PostgresWriteSession"/>:
/// one round trip for BEGIN and the reads, one for the writes and COMMIT). New payments commit in
/// batches, a whole batch in one round trip with one INSERT per table (<see cref="MultiRowInserts"/>), and
/// their idempotency-key look-ups are batched the same way. For a capture, cancel or refund the
/// idempotency key is claimed with a transaction-scoped advisory lock on merchant+key, held until the
/// commit that records the key, and the payment row is locked with <c>SELECT … FOR UPDATE</c>.
/// </summary>
public sealed class PostgresPaymentStore : SqlPaymentStore
{
    private readonly PostgresConnectionFactory connections;
    private readonly CommitBatcher<KeyLookup, object?[]?>? lookups;
    private readonly bool combineInserts;

    public PostgresPaymentStore(
        PostgresConnectionFactory connections,
        ReadQueries reads,
        BatchingOptions? batching = null,
        PaymentsMetrics? metrics = null,
        ILogger<PostgresPaymentStore>? logger = null,
        TimeProvider? time = null)
        : base(reads, batching ??= BatchingOptions.ForPostgres(), "postgres", metrics, logger, time)
    {
        this.connections = connections;
        combineInserts = batching.CombineInserts;
        if (batching.BatchKeyLookups)
        {
            // Look-ups wait for nothing but a free reader: alone when idle, together under load.
            lookups = new CommitBatcher<KeyLookup, object?[]?>(LookUpAsync, new BatchingOptions
            {
                MaxBatchSize = batching.MaxLookupBatchSize,
                MaxConcurrentCommits = 2,
                MaxQueued = batching.MaxQueued,
                CommitTimeout = batching.CommitTimeout,
            }, time ?? TimeProvider.System, (size, _) => metrics?.KeyLookupsBatched("postgres", size));
        }
    }

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

    /// <summary>
    /// The server process that received the COMMIT may still be running it after our connection broke: it is
    /// ended first (and waited for), so the look that follows sees the transaction's final outcome.
    /// </summary>
    protected override async Task<bool?> WasCommittedAsync(IReadOnlyList<string> paymentIds, int? serverProcessId, Exception failure, CancellationToken cancellationToken)
    {
        if (serverProcessId is not { } backend)
        {
            return null;
        }

        await using (var connection = await connections.OpenAsync(cancellationToken))
        {
            var terminated = false;
            while (true)
            {
                await using var state = connection.CreateCommand();
                // 'idle' is between transactions: whatever that process ran has ended.
                state.CommandText = "SELECT state FROM pg_stat_activity WHERE pid = @pid AND state IS DISTINCT FROM 'idle'";
                Db.AddParameter(state, "pid", backend);
                if (await state.ExecuteScalarAsync(cancellationToken) is null)
                {
                    break;
                }

                if (!terminated)
                {
                    await using var terminate = connection.CreateCommand();
                    terminate.CommandText = "SELECT pg_terminate_backend(@pid)";
                    Db.AddParameter(terminate, "pid", backend);
                    await terminate.ExecuteNonQueryAsync(cancellationToken);
                    terminated = true;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
            }
        }

        return await base.WasCommittedAsync(paymentIds, serverProcessId, failure, cancellationToken);
    }

    protected override IReadOnlyList<Statement>? CombineInserts(IReadOnlyList<Statement> statements, IReadOnlyList<int> owners) =>
        combineInserts ? MultiRowInserts.Combine(statements, owners) : null;

    /// <summary>Key look-ups waiting for a reader (not those being run).</summary>
    public int QueuedKeyLookups => lookups?.Queued ?? 0;

    protected override Task<object?[]?> FindIdempotencyRecordAsync(string merchantId, string key, CancellationToken cancellationToken) =>
        lookups is null
            ? base.FindIdempotencyRecordAsync(merchantId, key, cancellationToken)
            : lookups.SubmitAsync(new KeyLookup(merchantId, key), cancellationToken);

    protected override async ValueTask DisposeLookupsAsync()
    {
        if (lookups is not null)
        {
            await lookups.DisposeAsync();
        }
    }

    /// <summary>
    /// All waiting look-ups in one round trip: the single-key statement once per look-up, pipelined (one
    /// network exchange and one implicit transaction for all). Not one statement over an array of keys
    /// (<c>idempotency_key = ANY($2)</c>): under load its index scans read every key of the merchant
    /// (docs/benchmarks.md, "Batched idempotency-key look-ups").
    /// </summary>
    private async Task<IReadOnlyList<object?[]?>> LookUpAsync(IReadOnlyList<KeyLookup> batch, CancellationToken cancellationToken)
    {
        var sql = PositionalSql.For(PaymentSql.SelectIdempotencyKey);
        var results = new object?[]?[batch.Count];
        await using var connection = (NpgsqlConnection)await connections.OpenAsync(cancellationToken);
        await using var query = new NpgsqlBatch(connection);
        foreach (var lookup in batch)
        {
            var command = new NpgsqlBatchCommand(sql.Sql);
            foreach (var name in sql.Names)
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name == "merchant_id" ? lookup.MerchantId : lookup.Key });
            }

            query.BatchCommands.Add(command);
        }

        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; i < batch.Count; i++)
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                results[i] = Db.ReadRow(reader);
            }

            await reader.NextResultAsync(cancellationToken);
        }

        return results;
    }

    private readonly record struct KeyLookup(string MerchantId, string Key);

    protected override string DeleteExpiredKeysSql =>
        "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => @hours) LIMIT @batch)";

    protected override bool IsIdempotencyKeyTaken(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "idempotency_keys_pkey" };
}
