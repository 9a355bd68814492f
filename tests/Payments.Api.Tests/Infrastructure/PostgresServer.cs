using System.Diagnostics;
using Npgsql;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests use: <c>PAYMENTS_TEST_POSTGRES</c> when the test command set it,
/// otherwise a throw-away server started with <c>scripts/pg.sh</c> for this test run. Tests never
/// skip PostgreSQL: if neither works, they fail.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<string> AdminConnectionString = new(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ConnectionString => AdminConnectionString.Value;

    /// <summary>Creates an empty database with a random name and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "payments_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Resolve()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PAYMENTS_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        var dataDirectory = Path.Combine(Path.GetTempPath(), "payments-api-tests-pg-" + Environment.ProcessId);
        var connectionString = RunScript("start", dataDirectory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            RunScript("stop", dataDirectory);
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return connectionString;
    }

    /// <summary>Runs <c>scripts/pg.sh</c> with <paramref name="arguments"/> and returns its trimmed stdout; throws if it fails.</summary>
    internal static string RunScript(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(TransactionLog.RepositoryPaths.Root, "scripts", "pg.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start bash for scripts/pg.sh");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/pg.sh {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.GetAwaiter().GetResult()}");
        }

        return output.Trim();
    }
}
