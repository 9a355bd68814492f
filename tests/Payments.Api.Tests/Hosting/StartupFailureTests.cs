using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using Payments.Api.Hosting;
using Payments.Api.Merchants;
using Payments.Api.Storage.Batching;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// The built service, started as the container starts it, with something an operator must fix: it ends with one
/// line on standard error that names the setting, and a sysexits code (78 for a setting, 69 for something
/// unavailable), never an unhandled exception's stack trace and SIGABRT (134).
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly ScratchDirectory scratch = new("startup-failure-");

    public void Dispose() => scratch.Dispose();

    public static TheoryData<string, string, string> Settings => new()
    {
        // key (as an environment variable), value, what the line must name
        { "Payments__Idempotency__RetentionHours", "23", "Payments:Idempotency:RetentionHours must be at least 24" },
        { "Payments__Batching__MaxBatchSize", "0", "Payments:Batching:MaxBatchSize is 0" },
        { "Payments__Database__StartupRetryFor", "banana", "'banana' at 'Payments:Database:StartupRetryFor'" },
        { "Payments__TransactionLog__Sink", "Kafka", "'Kafka' at 'Payments:TransactionLog:Sink'" },
        { "Payments__Store", "mysql", "Payments:Store must be Sqlite or Postgres, not 'mysql'" },
        { "ConnectionStrings__Payments", "Data Sorce=x.db", "ConnectionStrings:Payments is not a valid Microsoft.Data.Sqlite connection string" },
        { "ConnectionStrings__Payments", "Data Source=/proc/no-such-dir/payments.db", "the SQLite database /proc/no-such-dir/payments.db (ConnectionStrings:Payments) cannot be opened" },
        { "role", "batch", "--role must be api, worker or all, not 'batch'" },
        { "Payments__Merchants__0__Id", "x", "Payments:Merchants:0:Id must be" },
        { "Payments__RateLimit__PermitsPerSecond", "-1", "Payments:RateLimit values must not be negative" },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task A_setting_it_cannot_start_with_ends_it_with_one_line_naming_the_setting_and_exit_78(string key, string value, string named)
    {
        var run = await RunAsync(new Dictionary<string, string> { [key] = value });

        AssertOneLine(run, StartupFailure.ConfigurationExitCode, named);
    }

    [Fact]
    public async Task A_file_that_is_not_a_sqlite_database_is_a_setting()
    {
        var path = Path.Combine(scratch.Path, "notes.txt");
        await File.WriteAllTextAsync(path, "These are notes, not a database: ConnectionStrings:Payments points at the wrong file.\n");

        var run = await RunAsync(new Dictionary<string, string> { ["ConnectionStrings__Payments"] = $"Data Source={path}" });

        AssertOneLine(run, StartupFailure.ConfigurationExitCode, $"the SQLite database {path} (ConnectionStrings:Payments) cannot be opened for writing: SQLite Error 26");
        Assert.StartsWith("These are notes", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_failed_validation_is_listed_when_several_settings_are_wrong()
    {
        var run = await RunAsync(new Dictionary<string, string>
        {
            ["Payments__Idempotency__RetentionHours"] = "1",
            ["Payments__Dashboard__SessionHours"] = "0",
        });

        AssertOneLine(run, StartupFailure.ConfigurationExitCode, "Payments:Idempotency:RetentionHours must be at least 24");
        Assert.Contains("Payments:Dashboard:SessionHours must be between 1 and 720", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_migrate_command_reports_a_setting_the_same_way()
    {
        var run = await RunAsync(new Dictionary<string, string> { ["Payments__Store"] = "mysql" }, ServiceContract.MigrateCommand);

        AssertOneLine(run, StartupFailure.ConfigurationExitCode, "Payments:Store must be Sqlite or Postgres");
    }

    [Theory]
    [InlineData("merchants", AdminCommand.Usage)]
    [InlineData("merchants delete", AdminCommand.Usage)]
    [InlineData("merchants create --id", "--id needs a merchant id; " + AdminCommand.Usage)]
    [InlineData("merchants create --id x", "merchant id must be 3-64 letters, digits, '_' or '-' (got 'x')")]
    public async Task A_command_line_the_commands_do_not_take_prints_the_usage_and_exits_64(string commandLine, string message)
    {
        var run = await RunAsync(new Dictionary<string, string>(), commandLine.Split(' '));

        Assert.True(run.ExitCode == StartupFailure.UsageExitCode, $"exit {run.ExitCode}; stderr:\n{run.StandardError}");
        Assert.Equal(message, run.StandardError.TrimEnd('\n'));
        Assert.Equal("", run.StandardOutput);
    }

    [Fact]
    public async Task The_migrate_command_retries_a_database_it_cannot_reach_then_exits_69()
    {
        // ECS runs it first in every task, while the database may still be starting or failing over.
        var run = await RunAsync(UnreachableDatabase("00:00:02"), ServiceContract.MigrateCommand);

        // The command logs to stderr (stdout is for what it prints), so the verdict is the last line there.
        Assert.Equal(StartupFailure.UnavailableExitCode, run.ExitCode);
        Assert.Contains("Start-up attempt 2 could not reach the database", run.StandardError, StringComparison.Ordinal);
        var verdict = run.StandardError.TrimEnd('\n').Split('\n')[^1];
        Assert.StartsWith(StartupFailure.Prefix + "the database stayed unavailable for 00:00:02 (Payments:Database:StartupRetryFor): NpgsqlException", verdict, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_out_of_range_is_a_setting()
    {
        var run = await RunAsync(new Dictionary<string, string>(), "--urls", "http://127.0.0.1:99999");

        AssertOneLine(run, StartupFailure.ConfigurationExitCode, "(--urls, ASPNETCORE_URLS or Kestrel:Endpoints) is not valid");
    }

    [Fact]
    public async Task A_taken_port_ends_it_with_exit_69_naming_the_address()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var run = await RunAsync(new Dictionary<string, string>(), "--urls", address);

        AssertOneLine(run, StartupFailure.UnavailableExitCode, $"cannot listen on the configured address (--urls, ASPNETCORE_URLS or Kestrel:Endpoints): Failed to bind to address {address}");
    }

    [Fact]
    public async Task A_database_unreachable_for_the_whole_start_up_budget_ends_it_with_exit_69_after_the_retries()
    {
        var run = await RunAsync(UnreachableDatabase("00:00:01"));

        AssertOneLine(run, StartupFailure.UnavailableExitCode, "the database stayed unavailable for 00:00:01 (Payments:Database:StartupRetryFor): NpgsqlException");
        // The retries were logged, and reached standard output before the process ended.
        Assert.Contains("Start-up attempt 1 could not reach the database", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sqlite_database_another_process_keeps_locked_is_retried_in_short_attempts_then_exit_69()
    {
        var path = Path.Combine(scratch.Path, "locked.db");
        await using var holder = await HoldWriteLockAsync(path);

        var run = await RunAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__Payments"] = $"Data Source={path}",
            ["Payments__Database__StartupRetryFor"] = "00:00:05",
        });

        AssertOneLine(run, StartupFailure.UnavailableExitCode, "the database stayed unavailable for 00:00:05 (Payments:Database:StartupRetryFor): SqliteException");
        Assert.Contains("database is locked", run.StandardError, StringComparison.Ordinal);
        // A second logged attempt inside the budget shows each attempt waits for the lock briefly (the last attempt is
        // not logged: it ends the start), so the budget, not SQLite's busy wait, bounds start-up.
        Assert.Contains("Start-up attempt 2 could not reach the database (SqliteException", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sqlite_lock_let_go_during_start_up_lets_the_service_start()
    {
        var path = Path.Combine(scratch.Path, "locked.db");
        var holder = await HoldWriteLockAsync(path);
        try
        {
            using var service = ServiceProcess.Start(scratch.Path, new Dictionary<string, string>
            {
                ["ConnectionStrings__Payments"] = $"Data Source={path}",
                ["Payments__TransactionLog__Directory"] = Path.Combine(scratch.Path, "transaction-log"),
            });
            await service.WaitForLineAsync(line => line.Contains("Start-up attempt 1 could not reach the database", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            await holder.DisposeAsync();

            await service.WaitUntilReadyAsync();
        }
        finally
        {
            await holder.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_login_postgres_refuses_is_a_setting_and_the_password_is_not_printed()
    {
        const string Password = "not-the-password-4c1d";
        var refused = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString)
        {
            Username = "payments_no_such_login",
            Password = Password,
        };
        var run = await RunAsync(new Dictionary<string, string>
        {
            ["Payments__Store"] = "Postgres",
            ["ConnectionStrings__Payments"] = refused.ConnectionString,
        });

        AssertOneLine(run, StartupFailure.ConfigurationExitCode, "PostgreSQL refused the login: 28P01");
        Assert.DoesNotContain(Password, run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_a_setting()
    {
        var missing = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "payments_no_such_database" };
        var run = await RunAsync(new Dictionary<string, string>
        {
            ["Payments__Store"] = "Postgres",
            ["ConnectionStrings__Payments"] = missing.ConnectionString,
        });

        AssertOneLine(run, StartupFailure.ConfigurationExitCode, "3D000 database \"payments_no_such_database\" does not exist");
    }

    [Fact]
    public void A_defect_is_not_described_and_keeps_its_stack_trace()
    {
        Assert.False(StartupFailure.TryDescribe(new KeyNotFoundException("a bug"), out _, out _));
        // One defect among settings: the whole failure is a defect.
        Assert.False(StartupFailure.TryDescribe(
            new AggregateException(new OptionsValidationException("x", typeof(object), ["Payments:X is wrong"]), new InvalidOperationException("a bug")),
            out _,
            out _));
        // An InvalidOperationException of our own is not a setting unless it says so.
        Assert.False(StartupFailure.TryDescribe(new InvalidOperationException("the commit returned 2 results for 3 items"), out _, out _));
    }

    [Fact]
    public void A_value_the_binder_cannot_convert_is_a_setting()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Payments:Batching:MaxBatchSize", "many")])
            .Build();

        var error = Assert.ThrowsAny<InvalidOperationException>(() => BatchingOptions.Configured(BatchingOptions.ForSqlite(), configuration));

        Assert.True(StartupFailure.TryDescribe(error, out var exitCode, out var line));
        Assert.Equal(StartupFailure.ConfigurationExitCode, exitCode);
        Assert.Contains("'many' at 'Payments:Batching:MaxBatchSize'", line, StringComparison.Ordinal);
    }

    /// <summary>A WAL database at <paramref name="path"/> whose write lock this connection holds until disposed, as another process's migration would.</summary>
    private static async Task<SqliteConnection> HoldWriteLockAsync(string path)
    {
        var holder = new SqliteConnection($"Data Source={path};Pooling=False");
        await holder.OpenAsync();
        await using var command = holder.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL; BEGIN EXCLUSIVE;";
        await command.ExecuteNonQueryAsync();
        return holder;
    }

    /// <summary>PostgreSQL on a port nothing listens on, with <paramref name="retryFor"/> as the start-up budget.</summary>
    private static Dictionary<string, string> UnreachableDatabase(string retryFor) => new()
    {
        ["Payments__Store"] = "Postgres",
        ["ConnectionStrings__Payments"] = $"Host=127.0.0.1;Port={FreePort.Next()};Timeout=2",
        ["Payments__Database__StartupRetryFor"] = retryFor,
    };

    private static void AssertOneLine(CommandRunner.Result run, int exitCode, string named)
    {
        var lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(run.ExitCode == exitCode, $"exit {run.ExitCode}, expected {exitCode}; stderr:\n{run.StandardError}\nstdout:\n{run.StandardOutput}");
        Assert.True(lines.Length == 1, $"expected one line on stderr:\n{run.StandardError}");
        Assert.StartsWith(StartupFailure.Prefix, lines[0], StringComparison.Ordinal);
        Assert.Contains(named, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardError, StringComparison.Ordinal);
    }

    private async Task<CommandRunner.Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        // The database under the scratch directory unless a case says otherwise; no key is printed for a merchant.
        var start = ServiceProcess.StartInfo(scratch.Path, arguments.Length > 0 && arguments[0] != "--urls"
            ? arguments
            : ["--urls", $"http://127.0.0.1:{FreePort.Next()}", .. arguments]);
        start.Environment["ConnectionStrings__Payments"] = $"Data Source={Path.Combine(scratch.Path, "payments.db")}";
        start.Environment["Payments__TransactionLog__Directory"] = Path.Combine(scratch.Path, "transaction-log");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return await CommandRunner.RunAsync(start, TimeSpan.FromSeconds(60));
    }
}
