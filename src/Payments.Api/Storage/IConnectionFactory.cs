namespace Payments.Api.Storage;

public enum StoreKind { Sqlite, Postgres }

public interface IConnectionFactory
{
    StoreKind Kind { get; }

    /// Opens a new connection (SQLite: WAL, busy timeout set; PostgreSQL: pooled).
    ValueTask<System.Data.Common.DbConnection> OpenAsync(CancellationToken cancellationToken);
}
