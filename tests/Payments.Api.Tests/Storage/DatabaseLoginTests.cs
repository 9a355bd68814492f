using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// The service's own database login: created by the <c>migrate</c> command running as the owner,
/// DML only, and its password rotated under a running service without a failed request.
/// </summary>
public sealed class DatabaseLoginTests
{
    [Fact]
    public async Task The_migrate_command_runs_as_the_owner_and_leaves_a_login_that_may_change_rows_but_not_the_schema()
    {
        await using var database = await AppLoginDatabase.CreateAsync();
        var first = await RunMigrateCommandAsync(database);
        var again = await RunMigrateCommandAsync(database);

        Assert.Contains($"{database.Username} created", first, StringComparison.Ordinal);
        Assert.Contains($"{database.Username} exists", again, StringComparison.Ordinal);
        await using var app = await OpenAsAppAsync(database, database.Password);
        await ExecuteAsync(app, "INSERT INTO merchants (id) VALUES ('acct_login_test')");
        await ExecuteAsync(app, "UPDATE merchants SET created_at = now() WHERE id = 'acct_login_test'");
        await ExecuteAsync(app, "DELETE FROM merchants WHERE id = 'acct_login_test'");
        // The journal of migration 0008 for this login: this release's one-row insert, and the previous release's two-row
        // insert through the ledger_entries view's trigger (which runs as this login), read back through both.
        await ExecuteAsync(app, "INSERT INTO ledger_movements (merchant_id, payment_id, refund_id, movement, debit_account, credit_account, currency, amount) " +
            "VALUES ('acct_login_test', 'pay_login_test', NULL, 'authorize', 'acquirer_receivable', 'merchant_authorized', 'usd', 100)");
        await ExecuteAsync(app, "INSERT INTO ledger_entries (merchant_id, payment_id, refund_id, movement, account, currency, amount) VALUES " +
            "('acct_login_test', 'pay_login_test', NULL, 'capture', 'merchant_authorized', 'usd', 100), ('acct_login_test', 'pay_login_test', NULL, 'capture', 'merchant_captured', 'usd', -100)");
        await using (var read = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM ledger_movements WHERE payment_id = 'pay_login_test') * 10 + (SELECT count(*) FROM ledger_entries WHERE payment_id = 'pay_login_test')", app))
        {
            Assert.Equal(24L, await read.ExecuteScalarAsync());
        }

        foreach (var ddl in new[]
        {
            "CREATE TABLE app_may_not (id int)",
            "DROP TABLE payments",
            "ALTER TABLE payments ADD COLUMN app_may_not int",
            "TRUNCATE transaction_log",
            "DROP TRIGGER transaction_log_no_update_delete ON transaction_log",
        })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(app, ddl));
            Assert.True(refused.SqlState is PostgresErrorCodes.InsufficientPrivilege, $"{ddl}: {refused.SqlState} {refused.MessageText}");
        }

        // The server checks passwords for this login (the test server trusts only its superuser).
        var wrong = await Assert.ThrowsAsync<PostgresException>(async () => await OpenAsAppAsync(database, "not-the-password"));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, wrong.SqlState);
    }

    [Fact]
    public async Task Payments_keep_succeeding_while_the_password_rotates_under_load()
    {
        await using var database = await AppLoginDatabase.CreateAsync();
        await MigrateInProcessAsync(database);
        await using var factory = PaymentsApiFactory.OnPostgresDatabase(database.OwnerConnectionString, ServiceSettings(database, relay: false, merchants: true));
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        var connections = factory.Services.GetRequiredService<PostgresConnectionFactory>();
        Assert.Equal(HttpStatusCode.Created, (await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(100))).Status);
        var oldPassword = database.Password;

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var statuses = new System.Collections.Concurrent.ConcurrentBag<Reply>();
        // Milestones are signalled by what happens (a reply recorded, a retry counted), never polled.
        var replies = new Milestones();
        var retries = new Milestones();
        connections.PasswordRetried += retries.Reached;
        var load = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                statuses.Add(await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(250)));
                replies.Reached(statuses.Count);
            }
        })).ToList();

        await replies.AtLeast(50);
        var newPassword = AppLoginDatabase.NewPassword();
        // setSecret: the database takes the new password while the secret still says the old one.
        await database.AlterPasswordAsync(newPassword);
        // New sessions from here on (a scale-out, an idle connection pruned): they start with the
        // cached, now wrong, password.
        await connections.ClearPoolAsync();
        // The rotation window: the service re-reads the still-stale secret more than once before it changes.
        await retries.AtLeast(2);
        // finishSecret: the new version becomes current.
        await database.PublishAsync(newPassword);
        var published = statuses.Count;
        await replies.AtLeast(published + 100);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.All(statuses, reply => Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString()));
        Assert.True(connections.PasswordRetries > 0, "no connection met the rotated password");
        var refused = await Assert.ThrowsAsync<PostgresException>(async () => await OpenAsAppAsync(database, oldPassword));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
        await using var owner = new NpgsqlConnection(database.OwnerConnectionString);
        await owner.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM payments", owner);
        Assert.Equal(statuses.Count + 1, (long)(await count.ExecuteScalarAsync())!);
    }

    private static Dictionary<string, string?> ServiceSettings(AppLoginDatabase database, bool relay, bool merchants)
    {
        var settings = database.ServiceSettings();
        settings["Payments:TransactionLog:RelayEnabled"] = relay ? "true" : "false";
        settings["Payments:RateLimit:PermitsPerSecond"] = "0";
        if (merchants)
        {
            settings["Payments:Merchants:0:Id"] = ApiFixture.MerchantAId;
            settings["Payments:Merchants:0:ApiKey"] = ApiFixture.MerchantAKey;
        }

        return settings;
    }

    private static async Task MigrateInProcessAsync(AppLoginDatabase database)
    {
        await using var owner = new PostgresConnectionFactory(database.OwnerConnectionString);
        await new MigrationRunner(owner, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        Assert.True(await MigrateCommand.EnsureLoginAsync(owner, database.Username, () => ValueTask.FromResult(database.Password), CancellationToken.None));
    }

    /// <summary>Runs <c>Payments.Api migrate</c> as the init container does: a process configured by environment variables.</summary>
    private static async Task<string> RunMigrateCommandAsync(AppLoginDatabase database)
    {
        var start = ServiceProcess.StartInfo(Path.GetTempPath(), [global::Payments.Api.Hosting.ServiceContract.MigrateCommand]);
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (key, value) in database.MigrationSettings())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }

        var run = await CommandRunner.RunAsync(start, TimeSpan.FromSeconds(90));
        var output = run.StandardOutput + run.StandardError;
        Assert.True(run.ExitCode == 0, output);
        return output;
    }

    private static async Task<NpgsqlConnection> OpenAsAppAsync(AppLoginDatabase database, string password)
    {
        var builder = new NpgsqlConnectionStringBuilder(database.OwnerConnectionString) { Username = database.Username, Password = password, Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A count that others report as it grows; <see cref="AtLeast"/> completes when it reaches a value (or fails after 30 s).</summary>
    private sealed class Milestones
    {
        private readonly Lock gate = new();
        private readonly List<(int Target, TaskCompletionSource Reached)> waiting = [];
        private int count;

        public void Reached(int value)
        {
            lock (gate)
            {
                count = Math.Max(count, value);
                foreach (var waiter in waiting.Where(w => w.Target <= count).ToList())
                {
                    waiting.Remove(waiter);
                    waiter.Reached.TrySetResult();
                }
            }
        }

        public Task AtLeast(int target)
        {
            lock (gate)
            {
                if (count >= target)
                {
                    return Task.CompletedTask;
                }

                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting.Add((target, reached));
                return reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
    }
}
