using System.Data.Common;

namespace Payments.Api.TransactionLog;

/// <summary>A seq range the relay passed because no transaction can still fill it.</summary>
public readonly record struct SeqRange(long From, long To);

/// <summary>
/// Where the relay reads the transaction log and keeps its cursor. One implementation per store
/// (<see cref="SqliteTransactionLogStore"/>, <see cref="PostgresTransactionLogStore"/>); each owns its
/// SQL, how one relay excludes the others and whether a gap in the seq can still be filled. Every
/// method works on the caller's connection: on PostgreSQL that is the session holding the relay lock.
/// </summary>
public interface ITransactionLogStore
{
    /// <summary>The store's name for logs ("Sqlite", "Postgres").</summary>
    string Name { get; }

    string RelayName { get; }

    /// <summary>
    /// False when a seq missing below a committed seq may still be filled by a transaction in flight
    /// (PostgreSQL draws identity values outside the transaction); true when a gap is a rollback for
    /// good (SQLite: one writer at a time and a transactional AUTOINCREMENT).
    /// </summary>
    bool GapsAreFinal { get; }

    ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="connection"/> the relay's leader session; false when another holds it.</summary>
    Task<bool> TryTakeRelayLockAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Gives up what <see cref="TryTakeRelayLockAsync"/> took (nothing to give back where there is no lock).</summary>
    Task ReleaseRelayLockAsync(DbConnection connection);

    /// <summary>The seq identity's cache size where the store has one (the gap rule needs 1), else null.</summary>
    Task<long?> SeqCacheSizeAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Every other transaction still able to commit a seq that is missing now (the gap proof,
    /// docs/transaction-log.md); empty where <see cref="GapsAreFinal"/>.
    /// </summary>
    Task<IReadOnlyList<string>> TransactionLogWritersAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Whether any of <paramref name="writers"/> has not ended yet.</summary>
    Task<bool> AnyWriterStillRunningAsync(DbConnection connection, IReadOnlyList<string> writers, CancellationToken cancellationToken);

    Task<long> ReadCursorAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>The highest committed seq, 0 when the log is empty (one index lookup).</summary>
    Task<long> MaxSeqAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Rows with seq &gt; <paramref name="afterSeq"/> in seq order (committed rows only).</summary>
    Task<List<TransactionLogEvent>> ReadAfterAsync(DbConnection connection, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the cursor from <paramref name="expectedCursor"/> to <paramref name="newCursor"/> and
    /// records the gaps passed, in one transaction. False when the cursor was moved by someone else.
    /// </summary>
    Task<bool> AdvanceCursorAsync(
        DbConnection connection, long expectedCursor, long newCursor, IReadOnlyList<SeqRange> gaps, int exportedEvents, CancellationToken cancellationToken);

    /// <summary>
    /// Rows that appeared inside a gap recorded in the last 7 days and were not exported yet (should
    /// never happen). The window keeps the check cheap as gaps accumulate; a transaction cannot stay
    /// open that long unnoticed.
    /// </summary>
    Task<List<TransactionLogEvent>> ReadLateRowsAsync(DbConnection connection, int limit, CancellationToken cancellationToken);

    Task RecordLateExportsAsync(DbConnection connection, IEnumerable<long> seqs, CancellationToken cancellationToken);

    /// <summary>An instant as a parameter comparable with the log's <c>created_at</c> column.</summary>
    object Timestamp(DateTimeOffset instant);
}
