using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Payments.Api.Storage;

/// <summary>
/// SQLite connections on one database file in WAL mode. SQLite allows one writer at a time, so
/// writers in this process queue on <see cref="WriteGate"/> instead of spinning in SQLite's busy
/// handler; the busy timeout still covers writers in other processes (the admin command).
/// </summary>
public sealed class SqliteConnectionFactory : IConnectionFactory, IDisposable
{
    public const string DefaultConnectionString = "Data Source=data/payments.db";

    // synchronous=FULL: the WAL is fsynced at every commit, so a 201 survives an OS crash or power loss,
    // not only a process crash (NORMAL's promise). Group commit pays that fsync once per batch.
    private const string PerConnectionPragmas =
        "PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

    private readonly string connectionString;

    public SqliteConnectionFactory(string? connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(
            string.IsNullOrWhiteSpace(connectionString) ? DefaultConnectionString : connectionString)
        {
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        };
        if (builder.DataSource != ":memory:" && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal))
        {
            var fullPath = Path.GetFullPath(builder.DataSource);
            Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
            builder.DataSource = fullPath;
        }

        this.connectionString = builder.ConnectionString;
        DatabasePath = builder.DataSource;

        // journal_mode is stored in the database file, so setting it once is enough.
        using var connection = new SqliteConnection(this.connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
    }

    public StoreKind Kind => StoreKind.Sqlite;

    public string DatabasePath { get; }

    /// <summary>Serialises write transactions within this process.</summary>
    public SemaphoreSlim WriteGate { get; } = new(1, 1);

    private const int MaxCachedWriterCommands = 64;
    private SqliteConnection? writer;
    private readonly Dictionary<string, SqliteCommand> writerCommands = new(StringComparer.Ordinal);

    /// <summary>
    /// The one long-lived writer connection; only for holders of <see cref="WriteGate"/>. Keeping it
    /// (with its prepared statements, see <see cref="WriterCommand"/>) saves an open, the pragmas and
    /// a statement compilation per statement on every write.
    /// </summary>
    public async ValueTask<SqliteConnection> GetWriterAsync(CancellationToken cancellationToken)
    {
        if (writer is { State: System.Data.ConnectionState.Open })
        {
            return writer;
        }

        DiscardWriter();
        writer = (SqliteConnection)await OpenAsync(cancellationToken);
        return writer;
    }

    /// <summary>
    /// A cached, prepared command on the writer for <paramref name="sql"/>, parameters cleared unless
    /// <paramref name="keepParameters"/> (the caller then sets their values). Gate holders only.
    /// </summary>
    public SqliteCommand WriterCommand(string sql, bool keepParameters = false)
    {
        var connection = writer ?? throw new InvalidOperationException("GetWriterAsync must run first");
        if (!writerCommands.TryGetValue(sql, out var command))
        {
            if (writerCommands.Count >= MaxCachedWriterCommands)
            {
                foreach (var cached in writerCommands.Values)
                {
                    cached.Dispose();
                }

                writerCommands.Clear();
            }

            command = connection.CreateCommand();
            command.CommandText = sql;
            writerCommands[sql] = command;
        }

        if (!keepParameters)
        {
            command.Parameters.Clear();
        }

        return command;
    }

    /// <summary>Drops the writer after an error that may have left it unusable; the next write opens a new one.</summary>
    public void DiscardWriter()
    {
        foreach (var command in writerCommands.Values)
        {
            command.Dispose();
        }

        writerCommands.Clear();
        writer?.Dispose();
        writer = null;
    }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var command = connection.CreateCommand();
            command.CommandText = PerConnectionPragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Dispose()
    {
        DiscardWriter();
        WriteGate.Dispose();
    }
}
