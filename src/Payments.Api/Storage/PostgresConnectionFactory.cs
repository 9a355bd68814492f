using System.Data.Common;
using Npgsql;

namespace Payments.Api.Storage;

/// <summary>PostgreSQL connections from one pooled <see cref="NpgsqlDataSource"/> per process.</summary>
/// <remarks>
/// The defaults below apply only where the connection string is silent; an option it sets (under any
/// of Npgsql's spellings, e.g. <c>Max Auto Prepare</c> or <c>MaxAutoPrepare</c>) is left as given.
/// </remarks>
public sealed class PostgresConnectionFactory : IConnectionFactory, IAsyncDisposable, IDisposable
{
    public PostgresConnectionFactory(string connectionString, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var given = GivenOptions(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.ApplicationName ??= "payments-api";

        // The hot statements are few and fixed: let Npgsql prepare them server-side after two uses.
        if (!given.Contains("maxautoprepare"))
        {
            settings.MaxAutoPrepare = 32;
            if (!given.Contains("autoprepareminusages"))
            {
                settings.AutoPrepareMinUsages = 2;
            }
        }

        // Without this, every connection taken from the pool first runs "SET SESSION AUTHORIZATION
        // DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD ..." —
        // seven statements of server work per request. This code leaves no session state behind
        // (transaction-scoped locks only; session advisory locks are released explicitly).
        if (!given.Contains("noresetonclose"))
        {
            settings.NoResetOnClose = true;
        }

        DataSource = builder.Build();
        Pool = new WarmConnections(DataSource.OpenConnectionAsync, settings.MaxPoolSize, time ?? TimeProvider.System);
    }

    public StoreKind Kind => StoreKind.Postgres;

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The front to the pool: write transactions take the most recently used connection first; other opens are counted (see <see cref="WarmConnections"/>).</summary>
    public WarmConnections Pool { get; }

    /// <summary>
    /// A connection from Npgsql's pool for anything but a write transaction (reads, the readiness
    /// check, the relay, migrations), counted by <see cref="Pool"/> so that warm write connections
    /// never leave it waiting.
    /// </summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await Pool.OpenAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync();
        await DataSource.DisposeAsync();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The options the connection string sets, as lower-case keywords without spaces or underscores.</summary>
    private static HashSet<string> GivenOptions(string connectionString)
    {
        var parsed = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return parsed.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);
    }
}
