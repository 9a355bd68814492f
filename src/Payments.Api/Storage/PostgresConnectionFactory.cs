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
    /// <summary>
    /// How long opening a connection keeps retrying after PostgreSQL refused the password. Single-user
    /// rotation changes the password a moment before the secret's current version follows; connections
    /// opened in between must wait for it, not fail.
    /// </summary>
    public static readonly TimeSpan PasswordRotationWindow = TimeSpan.FromSeconds(30);

    private readonly TimeProvider time;
    private readonly DatabasePassword? password;
    private int passwordRetries;
    private int failoverRecoveries;

    /// <param name="connectionString">Npgsql connection string; without a password when <paramref name="password"/> supplies it.</param>
    /// <param name="time">Clock for the pool's idle limit and the password retry window.</param>
    /// <param name="password">A rotating password read at run time; null uses the connection string's.</param>
    public PostgresConnectionFactory(string connectionString, TimeProvider? time = null, DatabasePassword? password = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        this.time = time ?? TimeProvider.System;
        this.password = password;
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

        if (password is not null)
        {
            // Asked for on every new physical connection; the cache makes that a memory read.
            builder.UsePasswordProvider(
                _ => password.GetAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult(),
                (_, cancellationToken) => password.GetAsync(cancellationToken));
        }

        DataSource = builder.Build();
        Pool = new WarmConnections(OpenPhysicalAsync, settings.MaxPoolSize, this.time);
    }

    /// <summary>Connections that PostgreSQL refused with the cached password and that were retried with a re-read one.</summary>
    public int PasswordRetries => Volatile.Read(ref passwordRetries);

    /// <summary>Raised with the new <see cref="PasswordRetries"/> count each time a refused password is re-read (observers, tests).</summary>
    public event Action<int>? PasswordRetried;

    /// <summary>Write transactions that met a read-only server (a demoted writer) and were retried on a fresh connection.</summary>
    public int FailoverRecoveries => Volatile.Read(ref failoverRecoveries);

    /// <summary>
    /// After a failover the pooled connections may still reach the demoted writer: empty the warm
    /// stack and Npgsql's pool (connections in use are closed when they come back), so the next
    /// opens resolve the writer endpoint again.
    /// </summary>
    public async ValueTask ClearPoolAsync()
    {
        DataSource.Clear();
        await Pool.DropIdleAsync();
    }

    internal void CountFailoverRecovery() => Interlocked.Increment(ref failoverRecoveries);

    private async ValueTask<NpgsqlConnection> OpenPhysicalAsync(CancellationToken cancellationToken)
    {
        if (password is null)
        {
            return await DataSource.OpenConnectionAsync(cancellationToken);
        }

        var started = time.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await DataSource.OpenConnectionAsync(cancellationToken);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InvalidPassword && time.GetElapsedTime(started) < PasswordRotationWindow)
            {
                // Rotated under us: read the source again and retry until the new password is published.
                password.Invalidate();
                PasswordRetried?.Invoke(Interlocked.Increment(ref passwordRetries));
                await Task.Delay(pause, time, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
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
