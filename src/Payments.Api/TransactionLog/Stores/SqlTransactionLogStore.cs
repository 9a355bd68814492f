using System.Data.Common;
using System.Globalization;
using Payments.Api.Storage;

namespace Payments.Api.TransactionLog;

/// <summary>
/// The relay's statements both SQL stores share; the subclasses supply what differs per dialect
/// (how "now" is written, how a duplicate insert is ignored, how a timestamp is kept, how the relay
/// excludes others).
/// </summary>
public abstract class SqlTransactionLogStore : ITransactionLogStore
{
    public const string DefaultRelayName = "default";

    private readonly IConnectionFactory connections;

    protected SqlTransactionLogStore(IConnectionFactory connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        this.connections = connections;
    }

    /// <summary>
    /// The implementation for the configured store. A second reader of the log (the webhook fan-out)
    /// passes its own cursor name and PostgreSQL lock key, so it neither moves nor blocks the relay.
    /// </summary>
    public static ITransactionLogStore For(
        IConnectionFactory connections, string relayName = DefaultRelayName, long postgresLockId = PostgresTransactionLogStore.RelayLockId) => connections switch
    {
        PostgresConnectionFactory postgres => new PostgresTransactionLogStore(postgres) { RelayName = relayName, LockId = postgresLockId },
        SqliteConnectionFactory sqlite => new SqliteTransactionLogStore(sqlite) { RelayName = relayName },
        _ => throw new InvalidOperationException($"no transaction-log store for {connections?.GetType().Name ?? "null"}"),
    };

    public abstract string Name { get; }

    public string RelayName { get; init; } = DefaultRelayName;

    public abstract bool GapsAreFinal { get; }

    /// <summary>UPDATE of the cursor row: @new, @count, @relay, @expected.</summary>
    protected abstract string AdvanceCursorSql { get; }

    /// <summary>Insert of a gap that ignores one already recorded: @relay, @from, @to.</summary>
    protected abstract string InsertGapSql { get; }

    /// <summary>Insert of a late export that ignores one already recorded: @relay, @seq.</summary>
    protected abstract string InsertLateExportSql { get; }

    /// <summary>Insert of the relay's cursor row at 0 unless it exists: @relay.</summary>
    protected abstract string InsertCursorSql { get; }

    /// <summary>An SQL expression for "7 days ago" comparable with <c>skipped_at</c>.</summary>
    protected abstract string SevenDaysAgoSql { get; }

    public ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => connections.OpenAsync(cancellationToken);

    public abstract Task<bool> TryTakeRelayLockAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract Task ReleaseRelayLockAsync(DbConnection connection);

    public abstract Task<long?> SeqCacheSizeAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract Task<IReadOnlyList<string>> TransactionLogWritersAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract Task<bool> AnyWriterStillRunningAsync(DbConnection connection, IReadOnlyList<string> writers, CancellationToken cancellationToken);

    public abstract object Timestamp(DateTimeOffset instant);

    /// <summary>The log's <c>created_at</c> as read from the store.</summary>
    protected abstract DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction and commits it; by default on <paramref name="connection"/>.
    /// <paramref name="work"/> gets the connection to run on and the transaction to set on its commands (null when the
    /// store runs its writes elsewhere: SQLite's writer).
    /// </summary>
    protected virtual async Task<T> WriteAsync<T>(DbConnection connection, Func<DbConnection, DbTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(work);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    public async Task<long> ReadCursorAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
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

    public async Task<long> MaxSeqAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(seq), 0) FROM transaction_log";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<List<TransactionLogEvent>> ReadAfterAsync(DbConnection connection, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT seq, event_id, merchant_id, event_type, object_id, payload, created_at FROM transaction_log " +
            "WHERE seq > @after ORDER BY seq LIMIT @limit";
        Db.AddParameter(command, "after", afterSeq);
        Db.AddParameter(command, "limit", limit);
        return await ReadEventsAsync(command, cancellationToken);
    }

    public Task<bool> AdvanceCursorAsync(
        DbConnection connection, long expectedCursor, long newCursor, IReadOnlyList<SeqRange> gaps, int exportedEvents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(gaps);
        return WriteAsync(connection, async (writer, transaction) =>
        {
            await using (var update = writer.CreateCommand())
            {
                update.Transaction = transaction;
                update.CommandText = AdvanceCursorSql;
                Db.AddParameter(update, "new", newCursor);
                Db.AddParameter(update, "count", (long)exportedEvents);
                Db.AddParameter(update, "relay", RelayName);
                Db.AddParameter(update, "expected", expectedCursor);
                if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
                {
                    // Another relay moved the cursor: nothing was written, so committing is rolling back.
                    return false;
                }
            }

            foreach (var gap in gaps)
            {
                await using var insert = writer.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = InsertGapSql;
                Db.AddParameter(insert, "relay", RelayName);
                Db.AddParameter(insert, "from", gap.From);
                Db.AddParameter(insert, "to", gap.To);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    public async Task<List<TransactionLogEvent>> ReadLateRowsAsync(DbConnection connection, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT t.seq, t.event_id, t.merchant_id, t.event_type, t.object_id, t.payload, t.created_at " +
            "FROM transaction_log_relay_gaps g JOIN transaction_log t ON t.seq BETWEEN g.from_seq AND g.to_seq " +
            $"WHERE g.relay = @relay AND g.skipped_at > {SevenDaysAgoSql} " +
            "AND NOT EXISTS (SELECT 1 FROM transaction_log_relay_late_exports l WHERE l.relay = g.relay AND l.seq = t.seq) " +
            "ORDER BY t.seq LIMIT @limit";
        Db.AddParameter(command, "relay", RelayName);
        Db.AddParameter(command, "limit", limit);
        return await ReadEventsAsync(command, cancellationToken);
    }

    public Task RecordLateExportsAsync(DbConnection connection, IEnumerable<long> seqs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(seqs);
        return WriteAsync(connection, async (writer, transaction) =>
        {
            foreach (var seq in seqs)
            {
                await using var insert = writer.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = InsertLateExportSql;
                Db.AddParameter(insert, "relay", RelayName);
                Db.AddParameter(insert, "seq", seq);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    private Task<int> EnsureCursorRowAsync(DbConnection connection, CancellationToken cancellationToken) =>
        WriteAsync(connection, async (writer, transaction) =>
        {
            await using var command = writer.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = InsertCursorSql;
            Db.AddParameter(command, "relay", RelayName);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

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
}
