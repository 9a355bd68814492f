using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.TransactionLog;

/// <summary>
/// A fresh, migrated database (new SQLite file or new PostgreSQL database on the test server) and
/// a fresh sink directory, for one relay test. Rows are appended the way the API does it: plain
/// INSERTs into transaction_log.
/// </summary>
public sealed class RelayDatabase : IAsyncDisposable
{
    private readonly string scratch;

    private RelayDatabase(StoreKind kind, IConnectionFactory connections, string connectionString, string scratch)
    {
        Kind = kind;
        Connections = connections;
        ConnectionString = connectionString;
        this.scratch = scratch;
        SinkDirectory = Path.Combine(scratch, "transaction-log");
    }

    public StoreKind Kind { get; }

    public IConnectionFactory Connections { get; }

    public string ConnectionString { get; }

    public string SinkDirectory { get; }

    public static async Task<RelayDatabase> CreateAsync(StoreKind kind)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "apiops-relay-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        RelayDatabase? database = null;
        try
        {
            if (kind == StoreKind.Postgres)
            {
                var connectionString = await PostgresServer.CreateDatabaseAsync();
                database = new RelayDatabase(kind, new PostgresConnectionFactory(connectionString), connectionString, scratch);
            }
            else
            {
                var connectionString = $"Data Source={Path.Combine(scratch, "payments.db")}";
                database = new RelayDatabase(kind, new SqliteConnectionFactory(connectionString), connectionString, scratch);
            }

            await new MigrationRunner(database.Connections, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
            return database;
        }
        catch
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }
            else
            {
                Directory.Delete(scratch, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Appends one event in its own committed transaction and returns its seq.</summary>
    public async Task<long> AppendAsync(string? objectId = null)
    {
        await using var connection = await Connections.OpenAsync(CancellationToken.None);
        return await AppendAsync(connection, null, objectId);
    }

    /// <summary>Appends one event inside the caller's transaction (may stay uncommitted).</summary>
    public static async Task<long> AppendAsync(DbConnection connection, DbTransaction? transaction, string? objectId = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "INSERT INTO transaction_log (event_id, merchant_id, event_type, object_id, payload) " +
            "VALUES (@event_id, 'mer_relay', 'payment.authorized', @object_id, @payload) RETURNING seq";
        var id = objectId ?? "pay_" + Guid.NewGuid().ToString("N")[..20];
        Db.AddParameter(command, "event_id", "evt_" + Guid.NewGuid().ToString("N")[..24]);
        Db.AddParameter(command, "object_id", id);
        Db.AddParameter(command, "payload", $$"""{"id":"{{id}}","object":"payment","amount":1999}""");
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Appends a row with an explicit seq (to fabricate a row inside a passed gap).</summary>
    public async Task AppendWithSeqAsync(long seq)
    {
        await using var connection = await Connections.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "INSERT INTO transaction_log (seq, event_id, merchant_id, event_type, object_id, payload) " +
            (Kind == StoreKind.Postgres ? "OVERRIDING SYSTEM VALUE " : string.Empty) +
            "VALUES (@seq, @event_id, 'mer_relay', 'payment.captured', 'pay_late', '{\"id\":\"pay_late\"}')";
        Db.AddParameter(command, "seq", seq);
        Db.AddParameter(command, "event_id", $"evt_late{seq}");
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await Connections.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? -1 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<long> CursorAsync() => ScalarAsync("SELECT last_seq FROM transaction_log_relay_cursor WHERE relay = 'default'");

    /// <summary>Every exported line, in file-name order then line order, as (file, seq, event id).</summary>
    public IReadOnlyList<(string File, long Seq, string EventId)> ExportedLines()
    {
        if (!Directory.Exists(SinkDirectory))
        {
            return [];
        }

        var lines = new List<(string, long, string)>();
        foreach (var file in Directory.GetFiles(SinkDirectory, "*.jsonl").Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                using var document = System.Text.Json.JsonDocument.Parse(line);
                lines.Add((Path.GetFileName(file), document.RootElement.GetProperty("seq").GetInt64(), document.RootElement.GetProperty("id").GetString()!));
            }
        }

        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        if (Connections is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else if (Connections is IDisposable disposable)
        {
            disposable.Dispose();
        }

        if (Kind == StoreKind.Postgres)
        {
            await PostgresServer.DropDatabaseAsync(ConnectionString);
        }
        else
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }

        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
