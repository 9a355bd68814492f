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
    /// <summary>How long a pooled connection may stay unneeded before it is closed (Npgsql's default is 300 s).</summary>
    public const int DefaultConnectionIdleLifetimeSeconds = 10;

    /// <summary>How often the pool samples its idle connections for pruning (Npgsql's default is 10 s).</summary>
    public const int DefaultConnectionPruningIntervalSeconds = 2;

    public PostgresConnectionFactory(string connectionString)
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

        // Npgsql hands out idle connections first-in first-out, so after a burst every pooled
        // connection keeps being used in turn and none is ever idle long enough to be closed: a pool
        // that grew to 64 during a peak spreads 16 requests over 64 server processes for the next
        // five minutes. Measured on one PostgreSQL (docs/api.md): at 16 concurrent creates that costs
        // PostgreSQL ~110 µs more CPU per create and the service ~20% of its throughput. Pruning by
        // idle count every 2 s and closing the surplus after 10 s brings the pool back to what the
        // load needs shortly after the peak.
        // (Npgsql refuses a pruning interval longer than the idle lifetime, so one given alone is respected.)
        if (!given.Contains("connectionidlelifetime"))
        {
            if (given.Contains("connectionpruninginterval"))
            {
                settings.ConnectionIdleLifetime = Math.Max(DefaultConnectionIdleLifetimeSeconds, settings.ConnectionPruningInterval);
            }
            else
            {
                settings.ConnectionIdleLifetime = DefaultConnectionIdleLifetimeSeconds;
                settings.ConnectionPruningInterval = DefaultConnectionPruningIntervalSeconds;
            }
        }

        DataSource = builder.Build();
    }

    public StoreKind Kind => StoreKind.Postgres;

    public NpgsqlDataSource DataSource { get; }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await DataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();

    /// <summary>The options the connection string sets, as lower-case keywords without spaces or underscores.</summary>
    private static HashSet<string> GivenOptions(string connectionString)
    {
        var parsed = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return parsed.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);
    }
}
