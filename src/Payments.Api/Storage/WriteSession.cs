using Microsoft.Data.Sqlite;
using Npgsql;

namespace Payments.Api.Storage;

/// <summary>
/// One write transaction, shaped for few round trips: <see cref="RunAsync"/> sends its statements
/// (with the BEGIN in front the first time) in one round trip; <see cref="CommitAsync"/> sends the
/// final statements with the COMMIT behind them in one more. On PostgreSQL that is one
/// <see cref="NpgsqlBatch"/> each; on SQLite the statements run in-process under the writer gate.
/// Disposing without committing rolls back.
/// </summary>
public abstract class WriteSession : IAsyncDisposable
{
    public abstract Task<IReadOnlyList<StatementResult>> RunAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken);

    public abstract Task<IReadOnlyList<StatementResult>> CommitAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// After a statement failed: its index in the list given to the failing <see cref="RunAsync"/> or
    /// <see cref="CommitAsync"/> call; null when the failure was not one statement's (connection, COMMIT).
    /// Lets a batch of independent writes drop the one that failed and run the others again.
    /// </summary>
    public int? FailedStatement { get; protected set; }

    /// <summary>
    /// True when <see cref="CommitAsync"/> failed after the COMMIT may have reached the database (the
    /// connection broke or the call was cancelled while it was in flight): the transaction may have
    /// committed or not, and only a look from another connection can tell.
    /// </summary>
    public bool CommitOutcomeUnknown { get; protected set; }

    /// <summary>The database server process that ran the transaction (PostgreSQL's backend pid); null in process.</summary>
    public int? ServerProcessId { get; protected set; }
}

/// <remarks>
/// Failover: a write that reaches a read-only server (SQLSTATE 25006, a demoted Aurora writer that a
/// pooled connection or a stale DNS answer still points at) has changed nothing. With
/// <c>connections</c> given, the session then clears the pool and runs its transaction once more on a
/// fresh connection: the earlier batches are replayed and must return what they returned before (the
/// caller decided on those results), then the failed batch runs. Whatever happened outside the
/// database in between (the acquirer's authorization) is not repeated.
/// </remarks>
public sealed class PostgresWriteSession : WriteSession
{
    private readonly WarmConnections pool;
    private readonly PostgresConnectionFactory? connections;
    private readonly List<(IReadOnlyList<Statement> Statements, StatementResult[] Results)> earlierBatches = [];
    private NpgsqlConnection connection;
    private bool begun;
    private bool finished;
    private bool retried;

    public PostgresWriteSession(NpgsqlConnection connection, WarmConnections pool, PostgresConnectionFactory? connections = null)
    {
        this.connection = connection;
        this.pool = pool;
        this.connections = connections;
    }

    public override Task<IReadOnlyList<StatementResult>> RunAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken) =>
        ExecuteAsync(statements, commit: false, cancellationToken);

    public override Task<IReadOnlyList<StatementResult>> CommitAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken) =>
        ExecuteAsync(statements, commit: true, cancellationToken);

    private async Task<IReadOnlyList<StatementResult>> ExecuteAsync(IReadOnlyList<Statement> statements, bool commit, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(finished, this);
        StatementResult[] results;
        try
        {
            results = await RunBatchAsync(statements, commit, cancellationToken);
        }
        catch (PostgresException readOnly) when (readOnly.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction && connections is not null && !retried)
        {
            retried = true;
            await connections.ClearPoolAsync();
            var stale = connection;
            begun = false;
            await pool.ReturnAsync(stale, reusable: false);
            connection = await pool.RentAsync(cancellationToken);
            foreach (var (earlier, earlierResults) in earlierBatches)
            {
                if (!SameResults(earlierResults, await RunBatchAsync(earlier, commit: false, cancellationToken)))
                {
                    // The data moved meanwhile: the caller's decisions no longer hold. Nothing was written.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(readOnly);
                }
            }

            results = await RunBatchAsync(statements, commit, cancellationToken);
            connections.CountFailoverRecovery();
        }

        if (!commit)
        {
            earlierBatches.Add((statements, results));
        }

        return results;
    }

    private static bool SameResults(StatementResult[] before, StatementResult[] after)
    {
        if (before.Length != after.Length)
        {
            return false;
        }

        for (var i = 0; i < before.Length; i++)
        {
            if (before[i].RecordsAffected != after[i].RecordsAffected || before[i].Rows.Count != after[i].Rows.Count)
            {
                return false;
            }

            for (var row = 0; row < before[i].Rows.Count; row++)
            {
                if (!System.Collections.StructuralComparisons.StructuralEqualityComparer.Equals(before[i].Rows[row], after[i].Rows[row]))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private async Task<StatementResult[]> RunBatchAsync(IReadOnlyList<Statement> statements, bool commit, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        var offset = 0;
        if (!begun)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
            offset = 1;
            begun = true;
        }

        foreach (var statement in statements)
        {
            var positional = PositionalSql.For(statement.Sql);
            var command = new NpgsqlBatchCommand(positional.Sql);
            var next = 0;
            foreach (var name in positional.Names)
            {
                command.Parameters.Add(TypedParameter(statement.ValueOf(name, ref next)));
            }

            batch.BatchCommands.Add(command);
        }

        if (commit)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        }

        var results = new StatementResult[statements.Count];
        ServerProcessId = connection.State == System.Data.ConnectionState.Open ? connection.ProcessID : null;
        try
        {
            await ReadResultsAsync(batch, statements, results, cancellationToken);
        }
        catch (Exception failed) when (commit || failed is PostgresException)
        {
            // An ERROR from the server aborted the transaction (a failing statement, or COMMIT itself refused);
            // anything else (a broken connection, FATAL, a cancelled wait) may have come after the commit.
            var serverError = IsServerError(failed);
            // Without an open connection before the batch (no server process) nothing was sent.
            CommitOutcomeUnknown = commit && !serverError && ServerProcessId is not null;
            if (failed is PostgresException refused && (serverError || !commit))
            {
                FailedStatement = FailedIndex(batch, refused, offset, statements.Count);
            }

            throw;
        }

        for (var i = 0; i < statements.Count; i++)
        {
            results[i].RecordsAffected = batch.BatchCommands[i + offset].RecordsAffected;
        }

        if (commit)
        {
            finished = true;
        }

        return results;
    }

    /// <summary>True when the server answered with an ERROR (the transaction is aborted), also when it is wrapped (a cancelled wait).</summary>
    private static bool IsServerError(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is PostgresException { InvariantSeverity: "ERROR" })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The statement the server refused: the exception's command when Npgsql names it, else the first
    /// command that got no CommandComplete (its type is still unknown; the server skips all after it).
    /// </summary>
    private static int? FailedIndex(NpgsqlBatch batch, PostgresException failed, int offset, int count)
    {
        var index = failed.BatchCommand is { } command ? batch.BatchCommands.IndexOf(command) : -1;
        if (index < 0)
        {
            for (var i = 0; i < batch.BatchCommands.Count; i++)
            {
                if (batch.BatchCommands[i].StatementType == StatementType.Unknown)
                {
                    index = i;
                    break;
                }
            }
        }

        index -= offset;
        return index >= 0 && index < count ? index : null;
    }

    private static async Task ReadResultsAsync(NpgsqlBatch batch, IReadOnlyList<Statement> statements, StatementResult[] results, CancellationToken cancellationToken)
    {
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            var hasResult = true;
            for (var i = 0; i < statements.Count; i++)
            {
                results[i] = new StatementResult();
                if (!statements[i].ReturnsRows)
                {
                    continue;
                }

                while (hasResult && reader.FieldCount == 0)
                {
                    hasResult = await reader.NextResultAsync(cancellationToken);
                }

                var rows = new List<object?[]>();
                while (hasResult && await reader.ReadAsync(cancellationToken))
                {
                    rows.Add(Db.ReadRow(reader));
                }

                results[i].Rows = rows;
                hasResult = hasResult && await reader.NextResultAsync(cancellationToken);
            }

            while (hasResult)
            {
                hasResult = await reader.NextResultAsync(cancellationToken);
            }
        }
    }

    /// <summary>Positional (unnamed) and typed: Npgsql neither parses the SQL nor infers types per execution.</summary>
    public static NpgsqlParameter TypedParameter(object? value) => value switch
    {
        string text => new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, TypedValue = text },
        long number => new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint, TypedValue = number },
        int number => new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, TypedValue = number },
        null => new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = DBNull.Value },
        // The arrays of a folded multi-row insert (MultiRowInserts).
        string[] texts => new NpgsqlParameter<string?[]> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text, TypedValue = texts },
        long[] numbers => new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint, TypedValue = numbers },
        long?[] numbers => new NpgsqlParameter<long?[]> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint, TypedValue = numbers },
        int[] numbers => new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer, TypedValue = numbers },
        int?[] numbers => new NpgsqlParameter<int?[]> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer, TypedValue = numbers },
        _ => new NpgsqlParameter { Value = value },
    };

    public override async ValueTask DisposeAsync()
    {
        // Reused only when its transaction ended cleanly: committed, never begun, or rolled back here.
        var reusable = !begun || finished;
        try
        {
            if (!reusable)
            {
                finished = true;
                await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                await rollback.ExecuteNonQueryAsync(CancellationToken.None);
                reusable = true;
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            // A broken connection rolls back on its own; it is not returned to the pool healthy.
        }
        finally
        {
            await pool.ReturnAsync(connection, reusable);
        }
    }
}

/// <remarks>
/// Begins with <see cref="SqliteConnectionFactory.BeginWriteAsync"/>: the wait for the writer gate and SQLite's write
/// lock is bounded by <see cref="SqliteConnectionFactory.WriteWait"/> and by the token of the first call.
/// </remarks>
public sealed class SqliteWriteSession(SqliteConnectionFactory sqlite) : WriteSession
{
    private SqliteWriteTransaction? transaction;
    private bool finished;

    public override async Task<IReadOnlyList<StatementResult>> RunAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken)
    {
        await BeginAsync(cancellationToken);
        var results = new StatementResult[statements.Count];
        for (var i = 0; i < statements.Count; i++)
        {
            try
            {
                results[i] = await ExecuteAsync(statements[i], cancellationToken);
            }
            catch (SqliteException)
            {
                FailedStatement = i;
                throw;
            }
        }

        return results;
    }

    public override async Task<IReadOnlyList<StatementResult>> CommitAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken)
    {
        var results = await RunAsync(statements, cancellationToken);
        try
        {
            await transaction!.CommitAsync();
        }
        catch (SqliteException)
        {
            // SQLite may have written (part of) the commit to the WAL before failing (an fsync error).
            CommitOutcomeUnknown = true;
            throw;
        }

        finished = true;
        return results;
    }

    private async Task BeginAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(finished, this);
        transaction ??= await sqlite.BeginWriteAsync(cancellationToken);
    }

    private async Task<StatementResult> ExecuteAsync(Statement statement, CancellationToken cancellationToken)
    {
        var command = sqlite.WriterCommand(statement.Sql, keepParameters: true);
        SetParameters(command.Parameters, statement.Parameters);

        var result = new StatementResult();
        if (!statement.ReturnsRows)
        {
            result.RecordsAffected = await command.ExecuteNonQueryAsync(cancellationToken);
            return result;
        }

        var rows = new List<object?[]>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(Db.ReadRow(reader));
            }
        }

        result.Rows = rows;
        return result;
    }

    /// <summary>
    /// Reuses the cached command's parameters when the statement names the same ones in the same order (a
    /// statement of one SQL text always does), setting only their values. Names carry SQLite's <c>@</c>: without
    /// it Microsoft.Data.Sqlite looks each name up four times per execution (bare, then each prefix).
    /// </summary>
    private static void SetParameters(SqliteParameterCollection parameters, List<KeyValuePair<string, object?>> values)
    {
        var same = parameters.Count == values.Count;
        for (var i = 0; same && i < values.Count; i++)
        {
            var name = parameters[i].ParameterName;
            same = name.Length == values[i].Key.Length + 1 && name[0] == '@' && name.AsSpan(1).SequenceEqual(values[i].Key);
        }

        if (!same)
        {
            parameters.Clear();
            foreach (var (name, value) in values)
            {
                parameters.Add(new SqliteParameter("@" + name, value ?? DBNull.Value));
            }

            return;
        }

        for (var i = 0; i < values.Count; i++)
        {
            parameters[i].Value = values[i].Value ?? DBNull.Value;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        finished = true;
        if (transaction is not null)
        {
            // Rolls back unless committed, and lets the next writer in.
            await transaction.DisposeAsync();
        }
    }
}
