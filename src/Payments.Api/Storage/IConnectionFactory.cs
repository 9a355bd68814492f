namespace Payments.Api.Storage;

public enum StoreKind { Sqlite, Postgres }

public interface IConnectionFactory
{
    StoreKind Kind { get; }

    /// Opens a new connection (SQLite: WAL, busy timeout set; PostgreSQL: pooled).
    ValueTask<System.Data.Common.DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction and commits it. <paramref name="work"/> gets the
    /// connection and the transaction to set on its commands (null on SQLite, whose writer holds the
    /// transaction itself). PostgreSQL: a pooled connection of its own. SQLite: the process's one writer, so
    /// the wait for this process's other writes and for another process's write lock is awaited, not slept on
    /// a thread, and ends after the commit timeout with a <see cref="TimeoutException"/> (a typed 503, or a
    /// retry later in background work); see <see cref="SqliteConnectionFactory.BeginWriteAsync"/>.
    /// </summary>
    async Task<T> WriteAsync<T>(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>Runs a read-only statement outside any transaction; by default on a connection of its own from <see cref="OpenAsync"/>.</summary>
    async Task<IReadOnlyList<object?[]>> QueryAsync(Statement statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = statement.Sql;
        return await Db.QueryAsync(command, statement, cancellationToken);
    }
}
