using Microsoft.Data.Sqlite;

namespace Payments.Api.Storage;

/// <summary>
/// A write transaction on the SQLite writer (<see cref="SqliteConnectionFactory.BeginWriteAsync"/>): it holds the
/// process's writer gate and SQLite's write lock until <see cref="CommitAsync"/> or disposal, which rolls back
/// what was not committed.
/// </summary>
public sealed class SqliteWriteTransaction : IAsyncDisposable
{
    private readonly SqliteConnectionFactory sqlite;
    private bool ended;

    internal SqliteWriteTransaction(SqliteConnectionFactory sqlite, SqliteConnection writer)
    {
        this.sqlite = sqlite;
        Connection = writer;
    }

    /// <summary>The writer; its commands run with no <c>Transaction</c> set (the transaction is SQLite's, not an ADO.NET one).</summary>
    public SqliteConnection Connection { get; }

    /// <summary>Commits and lets the next writer in. A failed COMMIT leaves the transaction to disposal.</summary>
    /// <exception cref="SqliteException">The COMMIT failed; SQLite may have written (part of) it to the WAL first (an fsync error).</exception>
    public async Task CommitAsync()
    {
        ObjectDisposedException.ThrowIf(ended, this);
        // Once the statements ran, the commit is not abandoned half-way for a caller's cancellation.
        await sqlite.WriterCommand("COMMIT").ExecuteNonQueryAsync(CancellationToken.None);
        ended = true;
        sqlite.WriteGate.Release();
    }

    public async ValueTask DisposeAsync()
    {
        if (ended)
        {
            return;
        }

        ended = true;
        try
        {
            await sqlite.WriterCommand("ROLLBACK").ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (SqliteException)
        {
            // SQLite may have rolled back already (e.g. after SQLITE_FULL); start over with a fresh writer.
            sqlite.DiscardWriter();
        }
        finally
        {
            sqlite.WriteGate.Release();
        }
    }
}
