using Microsoft.Data.Sqlite;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// The database file the SQLite store makes: WAL mode and <see cref="SqliteConnectionFactory.NewDatabasePageSize"/>
/// pages for a new file; a file made before with other pages keeps them and serves as before.
/// </summary>
public sealed class SqliteFileFormatTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "sqlite-format-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_new_file_is_in_wal_mode_with_the_smaller_pages()
    {
        var path = Path.Combine(directory, "new.db");
        using var factory = new SqliteConnectionFactory($"Data Source={path}");
        await Write(factory, "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)");

        Assert.Equal(("wal", (long)SqliteConnectionFactory.NewDatabasePageSize), Read(path));
    }

    [Fact]
    public async Task A_file_made_with_other_pages_keeps_them_and_serves_reads_and_writes()
    {
        var path = Path.Combine(directory, "old.db");
        Directory.CreateDirectory(directory);
        using (var old = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            old.Open();
            using var command = old.CreateCommand();
            command.CommandText = "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL); INSERT INTO items (name) VALUES ('before');";
            command.ExecuteNonQuery();
        }

        using var factory = new SqliteConnectionFactory($"Data Source={path}");
        await Write(factory, "INSERT INTO items (name) VALUES ('after')");
        var rows = await factory.QueryAsync(new Statement("SELECT name FROM items ORDER BY id", true), CancellationToken.None);

        Assert.Equal(["before", "after"], rows.Select(r => (string)r[0]!));
        Assert.Equal(("wal", 4096L), Read(path));
    }

    private static Task<int> Write(SqliteConnectionFactory factory, string sql) =>
        factory.WriteAsync(writer =>
        {
            using var command = writer.CreateCommand();
            command.CommandText = sql;
            return command.ExecuteNonQueryAsync();
        }, CancellationToken.None);

    private static (string JournalMode, long PageSize) Read(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        var mode = (string)command.ExecuteScalar()!;
        command.CommandText = "PRAGMA page_size";
        return (mode, (long)command.ExecuteScalar()!);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
