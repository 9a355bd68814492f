using System.Data.Common;
using System.Globalization;
using Payments.Api.Storage;

namespace Payments.Api.TransactionLog;

/// <summary>A seq range the relay passed because no transaction can still fill it.</summary>
public readonly record struct SeqRange(long From, long To);

/// <summary>
/// The relay's SQL, for both dialects. Every method works on the caller's connection: on
/// PostgreSQL that is the session holding the relay's advisory lock.
/// </summary>
public sealed class TransactionLogStore
{
    /// <summary>Session advisory-lock key of the relay ("tlrelay" in ASCII); differs from the migration lock.</summary>
    public const long PostgresRelayLockId = 0x746C72656C6179;

    public const string DefaultRelayName = "default";

    private readonly IConnectionFactory connections;

    public TransactionLogStore(IConnectionFactory connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        this.connections = connections;
    }

    public StoreKind Kind => connections.Kind;

    public string RelayName { get; init; } = DefaultRelayName;

    public ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => connections.OpenAsync(cancellationToken);

    /// <summary>
    /// PostgreSQL: takes the relay's session advisory lock if no other session holds it. The
    /// session's server-side TCP keepalives are shortened first: if the leader's host vanishes
    /// without closing the socket, the server notices within about a minute (instead of the OS
    /// default of hours) and drops the lock, so a standby can take over.
    /// </summary>
    public static async Task<bool> TryAcquireRelayLockAsync(DbConnection connection, CancellationToken cancellationToken, long lockId = PostgresRelayLockId)
    {
        await using (var keepalive = connection.CreateCommand())
        {
            keepalive.CommandText = "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3";
            await keepalive.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT pg_try_advisory_lock({lockId})";
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public static async Task ReleaseRelayLockAsync(DbConnection connection, long lockId = PostgresRelayLockId)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT pg_advisory_unlock({lockId})";
        await command.ExecuteScalarAsync(CancellationToken.None);
    }

    public async Task<long> ReadCursorAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_seq FROM transaction_log_relay_cursor WHERE relay = @relay";
        Db.AddParameter(command, "relay", RelayName);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        if (value is null or DBNull)
        {
            await EnsureCursorRowAsync(connection, cancellationToken);
            return 0;
        }

        return Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The highest committed seq, 0 when the log is empty (one index lookup).</summary>
    public static async Task<long> MaxSeqAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(seq), 0) FROM transaction_log";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Rows with seq &gt; <paramref name="afterSeq"/> in seq order (committed rows only).</summary>
    public async Task<List<TransactionLogEvent>> ReadAfterAsync(DbConnection connection, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT seq, event_id, merchant_id, event_type, object_id, payload, created_at FROM transaction_log " +
            "WHERE seq > @after ORDER BY seq LIMIT @limit";
        Db.AddParameter(command, "after", afterSeq);
        Db.AddParameter(command, "limit", limit);
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>
    /// PostgreSQL: the virtual transaction ids of every other session that holds the lock an INSERT
    /// into transaction_log takes. The lock is taken before the identity value is drawn and held
    /// until commit or rollback, so every transaction that holds an unexported lower seq is listed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> TransactionLogWritersAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT DISTINCT virtualtransaction FROM pg_locks " +
            "WHERE locktype = 'relation' AND relation = 'transaction_log'::regclass AND mode = 'RowExclusiveLock' " +
            "AND virtualtransaction IS NOT NULL AND pid IS DISTINCT FROM pg_backend_pid()";
        var writers = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            writers.Add(reader.GetString(0));
        }

        return writers;
    }

    /// <summary>PostgreSQL: whether any of <paramref name="writers"/> still holds its transaction_log lock.</summary>
    public static async Task<bool> AnyWriterStillRunningAsync(DbConnection connection, IReadOnlyList<string> writers, CancellationToken cancellationToken)
    {
        if (writers.Count == 0)
        {
            return false;
        }

        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'relation' AND relation = 'transaction_log'::regclass " +
            "AND virtualtransaction = ANY(@writers))";
        Db.AddParameter(command, "writers", writers.ToArray());
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Moves the cursor from <paramref name="expectedCursor"/> to <paramref name="newCursor"/> and
    /// records the gaps passed, in one transaction. False when the cursor was moved by someone else.
    /// </summary>
    public async Task<bool> AdvanceCursorAsync(
        DbConnection connection, long expectedCursor, long newCursor, IReadOnlyList<SeqRange> gaps, int exportedEvents, CancellationToken cancellationToken)
    {
        using var writeGate = await EnterWriteGateAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = Kind == StoreKind.Postgres
                ? "UPDATE transaction_log_relay_cursor SET last_seq = @new, exported_events = exported_events + @count, updated_at = now() " +
                  "WHERE relay = @relay AND last_seq = @expected"
                : "UPDATE transaction_log_relay_cursor SET last_seq = @new, exported_events = exported_events + @count, " +
                  "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE relay = @relay AND last_seq = @expected";
            Db.AddParameter(update, "new", newCursor);
            Db.AddParameter(update, "count", (long)exportedEvents);
            Db.AddParameter(update, "relay", RelayName);
            Db.AddParameter(update, "expected", expectedCursor);
            if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                await transaction.RollbackAsync(cancellationToken);
                return false;
            }
        }

        foreach (var gap in gaps)
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = Kind == StoreKind.Postgres
                ? "INSERT INTO transaction_log_relay_gaps (relay, from_seq, to_seq) VALUES (@relay, @from, @to) ON CONFLICT DO NOTHING"
                : "INSERT OR IGNORE INTO transaction_log_relay_gaps (relay, from_seq, to_seq) VALUES (@relay, @from, @to)";
            Db.AddParameter(insert, "relay", RelayName);
            Db.AddParameter(insert, "from", gap.From);
            Db.AddParameter(insert, "to", gap.To);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Rows that appeared inside a gap recorded in the last 7 days and were not exported yet (should
    /// never happen). The window keeps the check cheap as gaps accumulate; a transaction cannot stay
    /// open that long unnoticed.
    /// </summary>
    public async Task<List<TransactionLogEvent>> ReadLateRowsAsync(DbConnection connection, int limit, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT t.seq, t.event_id, t.merchant_id, t.event_type, t.object_id, t.payload, t.created_at " +
            "FROM transaction_log_relay_gaps g JOIN transaction_log t ON t.seq BETWEEN g.from_seq AND g.to_seq " +
            "WHERE g.relay = @relay AND g.skipped_at > " +
            (Kind == StoreKind.Postgres ? "now() - interval '7 days' " : "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days') ") +
            "AND NOT EXISTS (SELECT 1 FROM transaction_log_relay_late_exports l WHERE l.relay = g.relay AND l.seq = t.seq) " +
            "ORDER BY t.seq LIMIT @limit";
        Db.AddParameter(command, "relay", RelayName);
        Db.AddParameter(command, "limit", limit);
        return await ReadEventsAsync(command, cancellationToken);
    }

    public async Task RecordLateExportsAsync(DbConnection connection, IEnumerable<long> seqs, CancellationToken cancellationToken)
    {
        using var writeGate = await EnterWriteGateAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var seq in seqs)
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = Kind == StoreKind.Postgres
                ? "INSERT INTO transaction_log_relay_late_exports (relay, seq) VALUES (@relay, @seq) ON CONFLICT DO NOTHING"
                : "INSERT OR IGNORE INTO transaction_log_relay_late_exports (relay, seq) VALUES (@relay, @seq)";
            Db.AddParameter(insert, "relay", RelayName);
            Db.AddParameter(insert, "seq", seq);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>PostgreSQL: the identity's cache size (must be 1 for the gap proof, docs/transaction-log.md).</summary>
    public static async Task<long?> SeqCacheSizeAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT s.cache_size FROM pg_sequences s WHERE s.schemaname || '.' || s.sequencename = " +
            "pg_get_serial_sequence('transaction_log', 'seq')";
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    private async Task EnsureCursorRowAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        using var writeGate = await EnterWriteGateAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Kind == StoreKind.Postgres
            ? "INSERT INTO transaction_log_relay_cursor (relay, last_seq) VALUES (@relay, 0) ON CONFLICT (relay) DO NOTHING"
            : "INSERT OR IGNORE INTO transaction_log_relay_cursor (relay, last_seq) VALUES (@relay, 0)";
        Db.AddParameter(command, "relay", RelayName);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<WriteGateLease> EnterWriteGateAsync(CancellationToken cancellationToken)
    {
        // SQLite allows one writer: queue behind the API's writers in this process instead of
        // failing on the busy timeout.
        if (connections is SqliteConnectionFactory sqlite)
        {
            await sqlite.WriteGate.WaitAsync(cancellationToken);
            return new WriteGateLease(sqlite.WriteGate);
        }

        return new WriteGateLease(null);
    }

    private async Task<List<TransactionLogEvent>> ReadEventsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var events = new List<TransactionLogEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new TransactionLogEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                ReadTimestamp(reader, 6)));
        }

        return events;
    }

    private DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal)
    {
        if (Kind == StoreKind.Postgres)
        {
            return new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));
        }

        var text = reader.GetString(ordinal);
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    private readonly struct WriteGateLease(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
