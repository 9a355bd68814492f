namespace Payments.Api.Storage;

public enum StoreKind { Sqlite, Postgres }

public interface IConnectionFactory
{
    StoreKind Kind { get; }

    /// Opens a new connection (SQLite: WAL, busy timeout set; PostgreSQL: pooled).
    ValueTask<System.Data.Common.DbConnection> OpenAsync(CancellationToken cancellationToken);

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
