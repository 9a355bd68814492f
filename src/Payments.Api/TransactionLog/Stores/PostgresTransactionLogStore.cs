using System.Data.Common;
using System.Globalization;
using Payments.Api.Storage;

namespace Payments.Api.TransactionLog;

/// <summary>
/// The transaction log on PostgreSQL. One relay leads: the session holding a session advisory lock.
/// Identity values are drawn outside the transaction, so a missing seq below committed rows may
/// still be filled; the exporter passes it only once every writer seen in flight has ended
/// (docs/transaction-log.md).
/// </summary>
public sealed class PostgresTransactionLogStore(PostgresConnectionFactory connections) : SqlTransactionLogStore(connections)
{
    /// <summary>Session advisory-lock key of the relay ("tlrelay" in ASCII); differs from the migration lock.</summary>
    public const long RelayLockId = 0x746C72656C6179;

    /// <summary>The session advisory lock this reader of the log leads by.</summary>
    public long LockId { get; init; } = RelayLockId;

    public override string Name => nameof(StoreKind.Postgres);

    public override bool GapsAreFinal => false;

    protected override string AdvanceCursorSql =>
        "UPDATE transaction_log_relay_cursor SET last_seq = @new, exported_events = exported_events + @count, updated_at = now() " +
        "WHERE relay = @relay AND last_seq = @expected";

    protected override string InsertGapSql =>
        "INSERT INTO transaction_log_relay_gaps (relay, from_seq, to_seq) VALUES (@relay, @from, @to) ON CONFLICT DO NOTHING";

    protected override string InsertLateExportSql =>
        "INSERT INTO transaction_log_relay_late_exports (relay, seq) VALUES (@relay, @seq) ON CONFLICT DO NOTHING";

    protected override string InsertCursorSql =>
        "INSERT INTO transaction_log_relay_cursor (relay, last_seq) VALUES (@relay, 0) ON CONFLICT (relay) DO NOTHING";

    protected override string SevenDaysAgoSql => "now() - interval '7 days'";

    /// <summary>
    /// Takes the relay's session advisory lock if no other session holds it. The session's
    /// server-side TCP keepalives are shortened first: if the leader's host vanishes without closing
    /// the socket, the server notices within about a minute (instead of the OS default of hours) and
    /// drops the lock, so a standby can take over.
    /// </summary>
    public override async Task<bool> TryTakeRelayLockAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using (var keepalive = connection.CreateCommand())
        {
            keepalive.CommandText = "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3";
            await keepalive.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT pg_try_advisory_lock({LockId})";
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Unlocks on an open session; a closed one has dropped its advisory locks with it.</summary>
    public override async Task ReleaseRelayLockAsync(DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT pg_advisory_unlock({LockId})";
        await command.ExecuteScalarAsync(CancellationToken.None);
    }

    public override async Task<long?> SeqCacheSizeAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT s.cache_size FROM pg_sequences s WHERE s.schemaname || '.' || s.sequencename = " +
            "pg_get_serial_sequence('transaction_log', 'seq')";
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The virtual transaction ids of every other session that holds the lock an INSERT into
    /// transaction_log takes. The lock is taken before the identity value is drawn and held until
    /// commit or rollback, so every transaction that holds an unexported lower seq is listed.
    /// </summary>
    public override async Task<IReadOnlyList<string>> TransactionLogWritersAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
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

    public override async Task<bool> AnyWriterStillRunningAsync(DbConnection connection, IReadOnlyList<string> writers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(writers);
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

    /// <summary>created_at is timestamptz.</summary>
    public override object Timestamp(DateTimeOffset instant) => instant.UtcDateTime;

    protected override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));
}
