using Npgsql;

namespace Payments.FaultTests.Infrastructure;

/// <summary>
/// The PostgreSQL server the fault tests share: the one <c>scripts/test.sh</c> started
/// (<c>PAYMENTS_TEST_POSTGRES</c>), or, when the tests run on their own, a private one started
/// here. Each test gets a fresh database on it, dropped afterwards.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PrivatePostgres? _ownServer;
    private string _adminConnectionString = "";

    public async Task InitializeAsync()
    {
        var shared = Environment.GetEnvironmentVariable("PAYMENTS_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(shared))
        {
            _ownServer = await PrivatePostgres.StartAsync();
            shared = _ownServer.ConnectionString;
        }

        _adminConnectionString = shared;
    }

    public async Task DisposeAsync()
    {
        if (_ownServer is not null)
        {
            await _ownServer.DisposeAsync();
        }
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    internal Task<string> CreateDatabaseAsync() => CreateDatabaseAsync(_adminConnectionString);

    internal Task DropDatabaseAsync(string databaseConnectionString) =>
        DropDatabaseAsync(_adminConnectionString, databaseConnectionString);

    internal static async Task<string> CreateDatabaseAsync(string adminConnectionString)
    {
        var name = "fault_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    internal static async Task DropDatabaseAsync(string adminConnectionString, string databaseConnectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(databaseConnectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FaultTestGroup : ICollectionFixture<PostgresFixture>
{
    public const string Name = "fault tests (one at a time: they load the machine)";
}
