using Microsoft.Data.Sqlite;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// The SQLite store's reads run on kept reader connections with compiled statements
/// (<see cref="SqliteConnectionFactory.QueryAsync"/>). Kept must not mean stale: each read sees every
/// commit before it, and a connection a read failed on is not used again.
/// </summary>
public sealed class SqliteReadersTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "sqlite-readers-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteConnectionFactory factory;

    public SqliteReadersTests()
    {
        factory = new SqliteConnectionFactory($"Data Source={Path.Combine(directory, "readers.db")}");
        Execute("CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)");
    }

    [Fact]
    public async Task A_kept_reader_sees_each_commit_made_after_its_previous_read()
    {
        var count = new Statement("SELECT COUNT(*) FROM items", true);
        Assert.Equal(0L, (await factory.QueryAsync(count, CancellationToken.None))[0][0]);

        for (var i = 1; i <= 3; i++)
        {
            Execute($"INSERT INTO items (name) VALUES ('item {i}')");
            Assert.Equal((long)i, (await factory.QueryAsync(count, CancellationToken.None))[0][0]);
        }
    }

    [Fact]
    public async Task Concurrent_reads_each_get_their_own_answer()
    {
        for (var i = 0; i < 20; i++)
        {
            Execute($"INSERT INTO items (id, name) VALUES ({i}, 'item {i}')");
        }

        var reads = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
            (i % 20, await factory.QueryAsync(new Statement("SELECT name FROM items WHERE id = @id", true).Add("id", (long)(i % 20)), CancellationToken.None))));

        foreach (var (id, rows) in await Task.WhenAll(reads))
        {
            Assert.Equal($"item {id}", Assert.Single(rows)[0]);
        }
    }

    [Fact]
    public async Task A_failed_read_is_a_typed_error_and_the_reads_after_it_work()
    {
        await Assert.ThrowsAsync<SqliteException>(() => factory.QueryAsync(new Statement("SELECT nope FROM items", true), CancellationToken.None));
        Execute("INSERT INTO items (name) VALUES ('after the error')");

        var rows = await factory.QueryAsync(new Statement("SELECT name FROM items", true), CancellationToken.None);

        Assert.Equal("after the error", Assert.Single(rows)[0]);
    }

    [Fact]
    public async Task A_statement_is_compiled_again_when_the_schema_changed_under_a_kept_reader()
    {
        var select = new Statement("SELECT * FROM items", true);
        Execute("INSERT INTO items (name) VALUES ('one')");
        Assert.Equal(2, Assert.Single(await factory.QueryAsync(select, CancellationToken.None)).Length);

        Execute("ALTER TABLE items ADD COLUMN note text");

        Assert.Equal(3, Assert.Single(await factory.QueryAsync(select, CancellationToken.None)).Length);
    }

    public void Dispose()
    {
        factory.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "readers.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
