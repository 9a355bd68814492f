using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Payments.Api.Storage;

/// <summary>
/// SQLite connections on one database file in WAL mode. SQLite allows one writer at a time, so
/// writers in this process queue on <see cref="WriteGate"/> instead of spinning in SQLite's busy
/// handler, and then wait for SQLite's write lock, which writers in other processes (the migrate
/// command, a backup, an operator's sqlite3 shell) may hold: see <see cref="BeginWriteAsync"/>.
/// </summary>
public sealed class SqliteConnectionFactory : IConnectionFactory, IDisposable
{
    public const string DefaultConnectionString = "Data Source=data/payments.db";

    /// <summary>
    /// The page size of a database file this factory creates. A commit writes every page it touched to the WAL and, with
    /// synchronous=FULL, waits for the device to store them; a create touches a page in each table and index it writes,
    /// so smaller pages mean fewer bytes to wait for. Smaller still (1 KiB) costs throughput under load: deeper trees,
    /// and rows that spill onto overflow pages (docs/benchmarks.md). A file that exists keeps the size it was made with.
    /// </summary>
    public const int NewDatabasePageSize = 2048;

    // synchronous=FULL: the WAL is fsynced at every commit, so a 201 survives an OS crash or power loss,
    // not only a process crash (NORMAL's promise). Group commit pays that fsync once per batch.
    // The busy timeout serves readers and the writes outside the writer (start-up, pending voids);
    // the writer turns it off (GetWriterAsync).
    private const string PerConnectionPragmas =
        "PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

    private const int SqliteBusy = 5;
    private const int SqliteReadOnly = 8;
    private const int SqliteNotADatabase = 26;
    private const int SqliteCannotOpen = 14;

    /// <summary>The first pause before looking at a busy write lock again; it doubles up to <see cref="MaxLockRetryDelay"/>.</summary>
    private static readonly TimeSpan FirstLockRetryDelay = TimeSpan.FromMilliseconds(1);

    /// <summary>The longest pause between two looks: how late a writer may start after another process let go.</summary>
    private static readonly TimeSpan MaxLockRetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly string connectionString;
    private readonly TimeProvider time;
    private int writersWaitingForLock;

    /// <param name="connectionString">The database file (<see cref="DefaultConnectionString"/> when empty).</param>
    /// <param name="writeWait">
    /// How long a write transaction may wait to begin (<see cref="WriteWait"/>); by default the group commit's
    /// default <see cref="Batching.BatchingOptions.CommitTimeout"/>.
    /// </param>
    /// <param name="time">The clock that bounds that wait.</param>
    public SqliteConnectionFactory(string? connectionString, TimeSpan? writeWait = null, TimeProvider? time = null)
    {
        WriteWait = writeWait ?? new Batching.BatchingOptions().CommitTimeout;
        if (WriteWait <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(writeWait), WriteWait, "the write wait is positive");
        }

        this.time = time ?? TimeProvider.System;
        var builder = new SqliteConnectionStringBuilder(
            string.IsNullOrWhiteSpace(connectionString) ? DefaultConnectionString : connectionString)
        {
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        };
        // A file that cannot be created or opened is a setting to fix, not an outage: the exception carries no inner
        // one, because an IOException inside would count as transient (StoreFailures) and start-up would retry it.
        try
        {
            if (builder.DataSource != ":memory:" && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal))
            {
                var fullPath = Path.GetFullPath(builder.DataSource);
                Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
                builder.DataSource = fullPath;
            }

            this.connectionString = builder.ConnectionString;
            DatabasePath = builder.DataSource;

            // journal_mode is stored in the database file, so setting it once is enough; page_size takes effect only
            // on a file that has no page yet (in WAL mode, not even VACUUM changes it).
            using var connection = new SqliteConnection(this.connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA page_size = {NewDatabasePageSize}; PRAGMA journal_mode = WAL;";
            command.ExecuteNonQuery();
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or IOException
            || exception is SqliteException { SqliteErrorCode: SqliteCannotOpen or SqliteReadOnly or SqliteNotADatabase })
        {
            throw new Hosting.InvalidSettingException(
                $"the SQLite database {builder.DataSource} (ConnectionStrings:Payments) cannot be opened for writing: {exception.Message}");
        }
    }

    public StoreKind Kind => StoreKind.Sqlite;

    public string DatabasePath { get; }

    /// <summary>Serialises write transactions within this process.</summary>
    public SemaphoreSlim WriteGate { get; } = new(1, 1);

    /// <summary>
    /// How long a write transaction may wait to begin: for <see cref="WriteGate"/> and then for SQLite's write
    /// lock, together (<c>Payments:Batching:CommitTimeout</c>; docs/configuration.md).
    /// </summary>
    public TimeSpan WriteWait { get; }

    /// <summary>Writers of this process now waiting for SQLite's write lock, which another connection holds.</summary>
    public int WritersWaitingForLock => Volatile.Read(ref writersWaitingForLock);

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
        var connection = (SqliteConnection)await OpenAsync(cancellationToken);
        // The writer never sleeps in SQLite's busy handler: BeginWriteAsync waits for the lock without a thread.
        // Microsoft.Data.Sqlite retries a busy statement itself, sleeping on the thread until the command's
        // timeout (0 is for ever); once BEGIN IMMEDIATE holds the lock no statement of ours meets a busy lock in
        // WAL mode, so its shortest timeout only caps a surprise.
        connection.DefaultTimeout = 1;
        try
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout = 0;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        writer = new KeptConnection(connection);
        return writer.Connection;
    }

    /// <summary>
    /// Begins a write transaction (<c>BEGIN IMMEDIATE</c>) on the kept writer and returns it holding
    /// <see cref="WriteGate"/> and SQLite's write lock until it commits or is disposed. Waits first for the gate
    /// (writers of this process), then for the lock (writers of other processes), together at most
    /// <see cref="WriteWait"/> on the factory's clock, and no longer than <paramref name="cancellationToken"/>
    /// allows. While the lock is taken it looks again after a pause (1 ms, doubling to 50 ms, real time) without
    /// holding a thread; SQLite's busy handler and Microsoft.Data.Sqlite's own retry loop (which sleep on the
    /// thread) are not used for it.
    /// </summary>
    /// <exception cref="TimeoutException">The transaction could not begin within <see cref="WriteWait"/> (a typed 503 with a retry hint).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public async ValueTask<SqliteWriteTransaction> BeginWriteAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = time.GetTimestamp();
        CancellationTokenSource? timeout = null;
        CancellationTokenSource? wait = null;
        var waitingFor = "this process's writer gate";
        try
        {
            if (!WriteGate.Wait(0, CancellationToken.None))
            {
                (timeout, wait) = StartWait(started, cancellationToken);
                await WriteGate.WaitAsync(wait.Token);
            }

            try
            {
                var connection = await GetWriterAsync(cancellationToken);
                var delay = FirstLockRetryDelay;
                var waiting = false;
                try
                {
                    while (true)
                    {
                        // Straight to SQLite: a busy BEGIN returns at once (busy_timeout is 0 on the writer).
                        var result = SQLitePCL.raw.sqlite3_exec(connection.Handle, "BEGIN IMMEDIATE");
                        if (result == SQLitePCL.raw.SQLITE_OK)
                        {
                            return new SqliteWriteTransaction(this, connection);
                        }

                        if ((result & 0xFF) != SqliteBusy)
                        {
                            try
                            {
                                SqliteException.ThrowExceptionForRC(result, connection.Handle);
                            }
                            finally
                            {
                                // Not knowing what state it is in, the next write starts on a fresh writer.
                                DiscardWriter();
                            }
                        }

                        waitingFor = "the database's write lock (another connection holds it: the migrate command, a backup, a sqlite3 shell)";
                        if (wait is null)
                        {
                            (timeout, wait) = StartWait(started, cancellationToken);
                        }

                        // The pause says how often to look, not how long: on the real clock, so that a test's clock
                        // standing still does not keep the writer from seeing the lock free.
                        var pause = Task.Delay(delay, wait.Token);
                        if (!waiting)
                        {
                            waiting = true;
                            Interlocked.Increment(ref writersWaitingForLock);
                        }

                        await pause;
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxLockRetryDelay.Ticks));
                    }
                }
                finally
                {
                    if (waiting)
                    {
                        Interlocked.Decrement(ref writersWaitingForLock);
                    }
                }
            }
            catch
            {
                WriteGate.Release();
                throw;
            }
        }
        catch (OperationCanceledException cancelled) when (timeout is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"a write waited {WriteWait.TotalSeconds:0.###} s for {waitingFor}", cancelled);
        }
        finally
        {
            wait?.Dispose();
            timeout?.Dispose();
        }
    }

    /// <summary>The wait's end: what is left of <see cref="WriteWait"/> since <paramref name="started"/>, or the caller's cancellation.</summary>
    private (CancellationTokenSource Timeout, CancellationTokenSource Wait) StartWait(long started, CancellationToken cancellationToken)
    {
        var left = WriteWait - time.GetElapsedTime(started);
        CancellationTokenSource timeout;
        if (left > TimeSpan.Zero)
        {
            timeout = new CancellationTokenSource(left, time);
        }
        else
        {
            timeout = new CancellationTokenSource();
            timeout.Cancel();
        }

        return (timeout, CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token));
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction on the kept writer (<see cref="BeginWriteAsync"/>: the
    /// same wait and bound) and commits it. Commands of <paramref name="work"/> run on the connection it is given,
    /// with no <c>Transaction</c> set.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        var result = await work(transaction.Connection);
        await transaction.CommitAsync();
        return result;
    }

    /// <inheritdoc cref="IConnectionFactory.WriteAsync"/>
    Task<T> IConnectionFactory.WriteAsync<T>(Func<DbConnection, DbTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return WriteAsync(writer => work(writer, null), cancellationToken);
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
