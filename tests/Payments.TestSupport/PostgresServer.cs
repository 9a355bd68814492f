using Npgsql;

namespace Payments.TestSupport;

/// <summary>
/// The PostgreSQL server the tests share: <c>PAYMENTS_TEST_POSTGRES</c> when the test command set it, otherwise
/// a throw-away server started with <c>scripts/pg.sh</c> for this test process and stopped when it ends. Tests
/// never skip PostgreSQL: if neither works, they fail. Each test takes a fresh database on it.
/// </summary>
public static class PostgresServer
{
    public const string ServerVariable = "PAYMENTS_TEST_POSTGRES";

    private static readonly Lazy<string> AdminConnectionString = new(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The superuser connection string of the shared server.</summary>
    public static string ConnectionString => AdminConnectionString.Value;

    /// <summary>Creates an empty database with a random name on the shared server and returns its connection string.</summary>
    public static Task<string> CreateDatabaseAsync(string namePrefix = "payments_test_", int? maxPoolSize = 50) =>
        CreateDatabaseAsync(ConnectionString, namePrefix, maxPoolSize);

    public static Task DropDatabaseAsync(string databaseConnectionString) => DropDatabaseAsync(ConnectionString, databaseConnectionString);

    /// <summary>Creates an empty database with a random name on the server of <paramref name="adminConnectionString"/>.</summary>
    public static async Task<string> CreateDatabaseAsync(string adminConnectionString, string namePrefix, int? maxPoolSize)
    {
        var name = namePrefix + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(adminConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name };
        if (maxPoolSize is { } size)
        {
            builder.MaxPoolSize = size;
        }

        return builder.ConnectionString;
    }

    /// <summary>Drops the database of <paramref name="databaseConnectionString"/>, ending its sessions.</summary>
    public static async Task DropDatabaseAsync(string adminConnectionString, string databaseConnectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(databaseConnectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static string Resolve()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(ServerVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        // Lazy<T> has no async factory; this runs once per test process, off any request path.
        var server = PrivatePostgres.StartAsync().GetAwaiter().GetResult();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server.ConnectionString;
    }
}
