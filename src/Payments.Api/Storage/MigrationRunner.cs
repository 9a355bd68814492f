using System.Data.Common;
using System.Reflection;

namespace Payments.Api.Storage;

/// <summary>One embedded migration script, e.g. <c>0001_initial</c>.</summary>
public sealed record Migration(string Version, string Name, string Sql);

/// <summary>
/// Applies the embedded SQL migrations of the active dialect in version order, under a lock, and
/// records each in <c>schema_migrations</c>. Migrations are additive only, so an older app version
/// keeps working while a newer one migrates (blue/green); versions this build does not know are
/// ignored for the same reason.
/// </summary>
public sealed partial class MigrationRunner(IConnectionFactory connections, ILogger<MigrationRunner> logger)
{
    // Arbitrary constant shared by every app version: "payments" in ASCII.
    private const long PostgresMigrationLockId = 0x7061796D656E7473;

    /// <summary>How long one migration attempt waits in SQLite's busy handler for another process's lock.</summary>
    public static readonly TimeSpan SqliteLockWait = TimeSpan.FromMilliseconds(500);

    private const string CreateTableSql =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

    private static readonly Lazy<IReadOnlyList<Migration>> PostgresMigrations = new(() => LoadFromAssembly(StoreKind.Postgres));
    private static readonly Lazy<IReadOnlyList<Migration>> SqliteMigrations = new(() => LoadFromAssembly(StoreKind.Sqlite));

    /// <summary>The embedded migrations of a dialect, in version order (read once per process).</summary>
    public static IReadOnlyList<Migration> Load(StoreKind kind) =>
        kind == StoreKind.Postgres ? PostgresMigrations.Value : SqliteMigrations.Value;

    private static List<Migration> LoadFromAssembly(StoreKind kind)
    {
        var folder = kind == StoreKind.Postgres ? "postgres" : "sqlite";
        var prefix = $"Migrations/{folder}/";
        var assembly = typeof(MigrationRunner).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[prefix.Length..^".sql".Length];
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            var version = underscore > 0 ? name[..underscore] : name;
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded migration {resource} cannot be read");
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(version, name, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => string.CompareOrdinal(a.Version, b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"two migrations share version {migrations[i].Version}");
            }
        }

        return migrations;
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var migrations = Load(connections.Kind);
        await using var connection = await connections.OpenAsync(cancellationToken);
        if (connections.Kind == StoreKind.Postgres)
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({PostgresMigrationLockId})", cancellationToken);
            try
            {
                await ExecuteAsync(connection, null, CreateTableSql, cancellationToken);
                var applied = await AppliedVersionsAsync(connection, null, cancellationToken);
                foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await ApplyAsync(connection, transaction, migration, cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }
            }
            finally
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({PostgresMigrationLockId})", CancellationToken.None);
            }
        }
        else
        {
            // BEGIN EXCLUSIVE is SQLite's lock. Another process holding it (its own migration, a backup) is waited for
            // briefly here: SqliteLockWait in SQLite's busy handler per try, Microsoft.Data.Sqlite's retries for 1 s. The
            // caller's start-up retry (StartupRetry) logs the attempt and tries again, so Payments:Database:StartupRetryFor
            // bounds start-up rather than the connection's own busy timeout and command timeout, which log nothing.
            ((Microsoft.Data.Sqlite.SqliteConnection)connection).DefaultTimeout = 1;
            await ExecuteAsync(connection, null, "PRAGMA busy_timeout = " + SqliteLockWait.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            await ExecuteAsync(connection, null, "BEGIN EXCLUSIVE", cancellationToken);
            try
            {
                await ExecuteAsync(connection, null, CreateTableSql, cancellationToken);
                var applied = await AppliedVersionsAsync(connection, null, cancellationToken);
                foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
                {
                    await ApplyAsync(connection, null, migration, cancellationToken);
                }

                await ExecuteAsync(connection, null, "COMMIT", cancellationToken);
            }
            catch
            {
                await ExecuteAsync(connection, null, "ROLLBACK", CancellationToken.None);
                throw;
            }
        }
    }

    /// <summary>True when every migration this build knows is recorded as applied.</summary>
    public async Task<bool> IsUpToDateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var applied = await AppliedVersionsAsync(connection, null, cancellationToken);
        return Load(connections.Kind).All(m => applied.Contains(m.Version));
    }

    private async Task ApplyAsync(DbConnection connection, DbTransaction? transaction, Migration migration, CancellationToken cancellationToken)
    {
        LogApplying(logger, migration.Name);
        await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
        await using var record = connection.CreateCommand();
        record.Transaction = transaction;
        record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @applied_at)";
        Db.AddParameter(record, "version", migration.Version);
        Db.AddParameter(record, "name", migration.Name);
        Db.AddParameter(record, "applied_at", DateTimeOffset.UtcNow.ToString("O"));
        await record.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<HashSet<string>> AppliedVersionsAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT version FROM schema_migrations";
        var versions = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetString(0));
        }

        return versions;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying migration {Migration}")]
    private static partial void LogApplying(ILogger logger, string migration);
}
