using System.Data.Common;
using System.Globalization;
using Payments.Api.Storage;

namespace Payments.Api.TransactionLog;

/// <summary>
/// The transaction log in the SQLite file. One writer at a time and a transactional AUTOINCREMENT:
/// a committed row above a missing seq proves nobody still holds it, so gaps are final and there is
/// no writer to watch. The relay runs in the process that owns the file, so it takes no lock; its
/// writes run on the process's writer, queued behind the API's (<see cref="SqliteConnectionFactory.BeginWriteAsync"/>).
/// </summary>
public sealed class SqliteTransactionLogStore : SqlTransactionLogStore
{
    private readonly SqliteConnectionFactory connections;

    public SqliteTransactionLogStore(SqliteConnectionFactory connections)
        : base(connections)
    {
        this.connections = connections;
    }

    /// <summary>How created_at and skipped_at are kept: ISO-8601 text, UTC, milliseconds.</summary>
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override string Name => nameof(StoreKind.Sqlite);

    public override bool GapsAreFinal => true;

    protected override string AdvanceCursorSql =>
        "UPDATE transaction_log_relay_cursor SET last_seq = @new, exported_events = exported_events + @count, " +
        "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE relay = @relay AND last_seq = @expected";

    protected override string InsertGapSql =>
        "INSERT OR IGNORE INTO transaction_log_relay_gaps (relay, from_seq, to_seq) VALUES (@relay, @from, @to)";

    protected override string InsertLateExportSql =>
        "INSERT OR IGNORE INTO transaction_log_relay_late_exports (relay, seq) VALUES (@relay, @seq)";

    protected override string InsertCursorSql =>
        "INSERT OR IGNORE INTO transaction_log_relay_cursor (relay, last_seq) VALUES (@relay, 0)";

    protected override string SevenDaysAgoSql => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')";

    public override Task<bool> TryTakeRelayLockAsync(DbConnection connection, CancellationToken cancellationToken) => Task.FromResult(true);

    public override Task ReleaseRelayLockAsync(DbConnection connection) => Task.CompletedTask;

    public override Task<long?> SeqCacheSizeAsync(DbConnection connection, CancellationToken cancellationToken) => Task.FromResult<long?>(null);

    public override Task<IReadOnlyList<string>> TransactionLogWritersAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public override Task<bool> AnyWriterStillRunningAsync(DbConnection connection, IReadOnlyList<string> writers, CancellationToken cancellationToken) =>
        Task.FromResult(false);

    public override object Timestamp(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    protected override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>
    /// SQLite allows one writer: the relay's writes run on the process's writer, queued behind the API's, and wait for
    /// the database's write lock as long as any write may (<see cref="SqliteConnectionFactory.WriteWait"/>).
    /// </summary>
    protected override Task<T> WriteAsync<T>(DbConnection connection, Func<DbConnection, DbTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return connections.WriteAsync(writer => work(writer, null), cancellationToken);
    }
}
