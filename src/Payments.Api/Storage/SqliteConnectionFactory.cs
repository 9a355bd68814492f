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

    private KeptConnection? writer;

    /// <summary>
    /// The one long-lived writer connection; only for holders of <see cref="WriteGate"/>. Keeping it
    /// (with its prepared statements, see <see cref="WriterCommand"/>) saves an open, the pragmas and
    /// a statement compilation per statement on every write.
    /// </summary>
    public async ValueTask<SqliteConnection> GetWriterAsync(CancellationToken cancellationToken)
    {
        if (writer is { Connection.State: System.Data.ConnectionState.Open })
        {
            return writer.Connection;
        }

        DiscardWriter();
        writer = new KeptConnection((SqliteConnection)await OpenAsync(cancellationToken));
        return writer.Connection;
    }

    /// <summary>
    /// A cached, prepared command on the writer for <paramref name="sql"/>, parameters cleared unless
    /// <paramref name="keepParameters"/> (the caller then sets their values). Gate holders only.
    /// </summary>
    public SqliteCommand WriterCommand(string sql, bool keepParameters = false) =>
        (writer ?? throw new InvalidOperationException("GetWriterAsync must run first")).Command(sql, keepParameters);

    /// <summary>Drops the writer after an error that may have left it unusable; the next write opens a new one.</summary>
    public void DiscardWriter()
    {
        writer?.Dispose();
        writer = null;
    }

    private const int MaxIdleReaders = 8;
    private readonly System.Collections.Concurrent.ConcurrentBag<KeptConnection> idleReaders = [];
    private volatile bool disposed;

    /// <summary>
    /// Runs a read-only statement (no transaction) on one of a few kept reader connections, whose statements stay
    /// compiled. A read on a fresh pooled connection would pay the open, the per-connection pragmas and a
    /// compilation of its SQL every time — on the key look-up before every new payment, more than the look-up
    /// itself (docs/benchmarks.md). In WAL mode an idle reader holds no snapshot, so it keeps no checkpoint waiting.
    /// </summary>
    public async Task<IReadOnlyList<object?[]>> QueryAsync(Statement statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var reader = idleReaders.TryTake(out var idle) ? idle : new KeptConnection((SqliteConnection)await OpenAsync(cancellationToken));
        var reusable = false;
        try
        {
            var rows = await Db.QueryAsync(reader.Command(statement.Sql), statement, cancellationToken);
            reusable = true;
            return rows;
        }
        finally
        {
            // After an error (or a cancelled read) the connection is not trusted again; beyond the cap it is surplus.
            if (reusable && !disposed && idleReaders.Count < MaxIdleReaders)
            {
                idleReaders.Add(reader);
                // Dispose may have emptied the bag between the check and the Add.
                if (disposed && idleReaders.TryTake(out var late))
                {
                    late.Dispose();
                }
            }
            else
            {
                reader.Dispose();
            }
        }
    }

    /// <summary>A long-lived connection and its compiled commands (the writer, or a reader), used by one caller at a time.</summary>
    private sealed class KeptConnection(SqliteConnection connection) : IDisposable
    {
        private const int MaxCachedCommands = 64;
        private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);

        public SqliteConnection Connection => connection;

        public SqliteCommand Command(string sql, bool keepParameters = false)
        {
            if (!commands.TryGetValue(sql, out var command))
            {
                if (commands.Count >= MaxCachedCommands)
                {
                    DisposeCommands();
                }

                command = connection.CreateCommand();
                command.CommandText = sql;
                commands[sql] = command;
            }

            if (!keepParameters)
            {
                command.Parameters.Clear();
            }

            return command;
        }

        public void Dispose()
        {
            DisposeCommands();
            connection.Dispose();
        }

        private void DisposeCommands()
        {
            foreach (var command in commands.Values)
            {
                command.Dispose();
            }

            commands.Clear();
        }
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
        disposed = true;
        while (idleReaders.TryTake(out var reader))
        {
            reader.Dispose();
        }

        DiscardWriter();
        WriteGate.Dispose();
    }
}
