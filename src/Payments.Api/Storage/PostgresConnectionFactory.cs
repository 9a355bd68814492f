using System.Data.Common;
using Npgsql;

namespace Payments.Api.Storage;

/// <summary>PostgreSQL connections from one pooled <see cref="NpgsqlDataSource"/> per process.</summary>
public sealed class PostgresConnectionFactory : IConnectionFactory, IAsyncDisposable, IDisposable
{
    public PostgresConnectionFactory(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.ApplicationName ??= "payments-api";
        // The hot statements are few and fixed: let Npgsql prepare them server-side after two uses,
        // unless the connection string chose otherwise.
        if (!connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            settings.MaxAutoPrepare = 32;
            settings.AutoPrepareMinUsages = 2;
        }

        // Without this, every connection taken from the pool first runs "SET SESSION AUTHORIZATION
        // DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD ..." —
        // seven statements of server work per request. This code leaves no session state behind
        // (transaction-scoped locks only; session advisory locks are released explicitly).
        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            settings.NoResetOnClose = true;
        }
        DataSource = builder.Build();
    }

    public StoreKind Kind => StoreKind.Postgres;

    public NpgsqlDataSource DataSource { get; }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await DataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
