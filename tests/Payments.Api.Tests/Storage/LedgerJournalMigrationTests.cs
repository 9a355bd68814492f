using System.Data.Common;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Payments.Api.Ledger;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;
using Payments.TestSupport;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// Migration 0008 turns the journal's two rows per movement into one (ledger_movements) and leaves
/// ledger_entries as a view the previous release still writes and reads. Its statements are below as
/// that release sent them (<c>LedgerSql</c> at 6fcc613), so a blue/green deployment is tested with the
/// old version's own SQL, not with a description of it.
/// </summary>
public sealed class LedgerJournalMigrationTests
{
    private const string Merchant = ApiFixture.MerchantAId;

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Migration_0008_turns_each_pair_of_journal_rows_into_one_movement(StoreKind store)
    {
        await using var database = await ScratchDatabase.CreateAsync(store);
        await database.MigrateBeforeAsync("0008");
        await using (var connection = await database.Connections.OpenAsync(CancellationToken.None))
        {
            await PreviousRelease.InsertAsync(connection, PreviousRelease.Authorize, "pay_held", 900);
            await PreviousRelease.InsertAsync(connection, PreviousRelease.Capture, "pay_held", 600);
            await PreviousRelease.InsertAsync(connection, PreviousRelease.Release, "pay_held", 300);
            await PreviousRelease.InsertAsync(connection, PreviousRelease.AuthorizeAndCapture, "pay_now", 1000);
            await PreviousRelease.InsertAsync(connection, PreviousRelease.Refund, "pay_now", 250, refundId: "re_1");
            await PreviousRelease.InsertAsync(connection, PreviousRelease.AuthorizeAndCapture, "pay_eur", 700, currency: "eur");
        }

        var legsBefore = await database.RowsAsync("SELECT payment_id, movement, account, currency, amount, refund_id FROM ledger_entries ORDER BY id");
        var balanceBefore = await database.RowsAsync(PreviousRelease.Balance, Merchant);

        await database.Runner.MigrateAsync(CancellationToken.None);

        Assert.Equal(
            [
                "pay_held authorize acquirer_receivable merchant_authorized usd 900 ",
                "pay_held capture merchant_authorized merchant_captured usd 600 ",
                "pay_held release merchant_authorized acquirer_receivable usd 300 ",
                "pay_now capture acquirer_receivable merchant_captured usd 1000 ",
                "pay_now refund merchant_refunds acquirer_receivable usd 250 re_1",
                "pay_eur capture acquirer_receivable merchant_captured eur 700 ",
            ],
            await database.RowsAsync("SELECT payment_id, movement, debit_account, credit_account, currency, amount, refund_id FROM ledger_movements ORDER BY id"));
        Assert.Equal(["eur 700 0", "usd 1600 250"], await database.RowsAsync(LedgerSql.Balance, Merchant));

        // What the previous release reads after the migration is what it read before, row for row.
        Assert.Equal(legsBefore, await database.RowsAsync("SELECT payment_id, movement, account, currency, amount, refund_id FROM ledger_entries ORDER BY id"));
        Assert.Equal(balanceBefore, await database.RowsAsync(PreviousRelease.Balance, Merchant));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Migration_0008_refuses_a_journal_row_without_its_partner_and_changes_nothing(StoreKind store)
    {
        await using var database = await ScratchDatabase.CreateAsync(store);
        await database.MigrateBeforeAsync("0008");
        await using (var connection = await database.Connections.OpenAsync(CancellationToken.None))
        {
            await PreviousRelease.InsertAsync(connection, PreviousRelease.AuthorizeAndCapture, "pay_ok", 1000);
            await using var lone = connection.CreateCommand();
            lone.CommandText = "INSERT INTO ledger_entries (merchant_id, payment_id, refund_id, movement, account, currency, amount) " +
                $"VALUES ('{Merchant}', 'pay_lone', NULL, 'capture', 'merchant_captured', 'usd', -400)";
            await lone.ExecuteNonQueryAsync();
        }

        var failure = await Assert.ThrowsAnyAsync<DbException>(() => database.Runner.MigrateAsync(CancellationToken.None));

        Assert.Contains(store == StoreKind.Postgres ? "did not pair" : "every_journal_row_paired_into_a_movement", failure.Message, StringComparison.Ordinal);
        Assert.Equal(["3"], await database.RowsAsync("SELECT COUNT(*) FROM ledger_entries"));
        Assert.DoesNotContain("0008", await database.RowsAsync("SELECT version FROM schema_migrations"));
        Assert.Equal(["0"], await database.RowsAsync(store == StoreKind.Postgres
            ? "SELECT COUNT(*) FROM pg_class WHERE relname = 'ledger_movements'"
            : "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ledger_movements'"));
    }

    [Fact]
    public async Task Migration_0008_while_the_previous_release_writes_loses_none_of_its_movements()
    {
        await using var database = await ScratchDatabase.CreateAsync(StoreKind.Postgres);
        await database.MigrateBeforeAsync("0008");
        const int Earlier = 20_000;
        await using (var connection = await database.Connections.OpenAsync(CancellationToken.None))
        {
            // A journal of some size, so that the backfill takes a while; the old task set writes all along.
            await using var fill = connection.CreateCommand();
            fill.CommandText = "INSERT INTO ledger_entries (merchant_id, payment_id, refund_id, movement, account, currency, amount) " +
                $"SELECT '{Merchant}', 'pay_earlier_' || g, NULL, 'capture', leg.account, 'usd', leg.sign * 100 " +
                $"FROM generate_series(1, {Earlier}) g, (VALUES ('acquirer_receivable', 1), ('merchant_captured', -1)) leg (account, sign) ORDER BY g, leg.sign DESC";
            await fill.ExecuteNonQueryAsync();
        }

        using var stop = new CancellationTokenSource();
        var written = 0;
        // Each writer keeps its connection, so its statement is auto-prepared against the table and must survive the swap.
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            await using var connection = await database.Connections.OpenAsync(CancellationToken.None);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await PreviousRelease.InsertAsync(connection, PreviousRelease.AuthorizeAndCapture, $"pay_live_{w}_{i}", 100);
                Interlocked.Increment(ref written);
            }
        })).ToList();
        await Poll.EventuallyAsync(() => Volatile.Read(ref written) >= 100, TimeSpan.FromSeconds(30), "the old task set writing");

        await database.Runner.MigrateAsync(CancellationToken.None);
        var atMigration = Volatile.Read(ref written);
        await Poll.EventuallyAsync(() => Volatile.Read(ref written) >= atMigration + 100, TimeSpan.FromSeconds(30), "the old task set writing through the view");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.Equal([(Earlier + written).ToString(CultureInfo.InvariantCulture)], await database.RowsAsync("SELECT COUNT(*) FROM ledger_movements"));
        Assert.Equal(["0"], await database.RowsAsync(
            "SELECT COUNT(*) FROM ledger_movements WHERE (movement, debit_account, credit_account) <> ('capture', 'acquirer_receivable', 'merchant_captured')"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task The_previous_release_keeps_writing_and_reading_the_journal_while_this_one_serves(StoreKind store)
    {
        await using var service = await PaymentsApiFactory.CreateAsync(store, ApiFixture.MerchantAOnly());
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        var ours = await CreateAsync(client, 1000, capture: true);
        var connections = service.Services.GetRequiredService<IConnectionFactory>();

        // The old task set, on the migrated database: it records a held payment, its capture and
        // release, a captured one and its refund, with its own statements.
        await using (var connection = await connections.OpenAsync(CancellationToken.None))
        {
            await PreviousRelease.InsertAsync(connection, PreviousRelease.Authorize, "pay_old_held", 900);
            await PreviousRelease.InsertAsync(connection, PreviousRelease.Capture, "pay_old_held", 600);
            await PreviousRelease.InsertAsync(connection, PreviousRelease.Release, "pay_old_held", 300);
            await PreviousRelease.InsertAsync(connection, PreviousRelease.AuthorizeAndCapture, "pay_old_now", 500);
            await PreviousRelease.InsertAsync(connection, PreviousRelease.Refund, "pay_old_now", 200, refundId: "re_old");

            // A leg the old release never sends is refused, not recorded half.
            await Assert.ThrowsAnyAsync<DbException>(() => PreviousRelease.InsertAsync(connection,
                "INSERT INTO ledger_entries (merchant_id, payment_id, refund_id, movement, account, currency, amount) VALUES " +
                "(@merchant_id, @payment_id, NULL, 'capture', 'merchant_captured', @currency, -@amount)", "pay_old_lone", 50));
            await Assert.ThrowsAnyAsync<DbException>(() => PreviousRelease.InsertAsync(connection,
                "INSERT INTO ledger_entries (merchant_id, payment_id, refund_id, movement, account, currency, amount) VALUES " +
                "(@merchant_id, @payment_id, NULL, 'chargeback', 'merchant_captured', @currency, @amount)", "pay_old_odd", 50));
        }

        Assert.Equal(
            ["authorize acquirer_receivable merchant_authorized 900", "capture merchant_authorized merchant_captured 600", "release merchant_authorized acquirer_receivable 300"],
            await StoreSql.RowsAsync(service.Services, "SELECT movement, debit_account, credit_account, amount FROM ledger_movements WHERE payment_id = 'pay_old_held' ORDER BY id"));
        Assert.Equal(["0"], await StoreSql.RowsAsync(service.Services, "SELECT COUNT(*) FROM ledger_movements WHERE payment_id IN ('pay_old_lone', 'pay_old_odd')"));

        // Both releases see the same balance: this one's payment and the old one's movements.
        using var balance = await client.GetAsync(new Uri("/v1/balance", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, balance.StatusCode);
        var usd = System.Text.Json.JsonDocument.Parse(await balance.Content.ReadAsStringAsync()).RootElement.GetProperty("currencies")[0];
        Assert.Equal((1000 + 600 + 500, 200), (usd.GetProperty("captured").GetInt64(), usd.GetProperty("refunded").GetInt64()));
        await using (var connection = await connections.OpenAsync(CancellationToken.None))
        {
            Assert.Equal(["usd merchant_captured -2100", "usd merchant_refunds 200"], await ScratchDatabase.RowsAsync(connection, PreviousRelease.Balance, Merchant));
        }

        // The old dashboard's read of a payment made by this release: its two legs.
        Assert.Equal(
            ["capture acquirer_receivable 1000", "capture merchant_captured -1000"],
            await StoreSql.RowsAsync(service.Services, $"SELECT movement, account, amount FROM ledger_entries WHERE payment_id = '{ours}' ORDER BY id"));
    }

    private static async Task<string> CreateAsync(HttpClient client, long amount, bool capture)
    {
        using var content = new StringContent(ApiTestBase.PaymentBody(amount, capture: capture), System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("/v1/payments", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>The journal statements of the release before 0008, verbatim (src/Payments.Api/Ledger/LedgerSql.cs at 6fcc613).</summary>
    private static class PreviousRelease
    {
        private const string Insert = "INSERT INTO ledger_entries (merchant_id, payment_id, refund_id, movement, account, currency, amount) VALUES ";

        public const string Authorize = Insert +
            "(@merchant_id, @payment_id, NULL, 'authorize', 'acquirer_receivable', @currency, @amount), " +
            "(@merchant_id, @payment_id, NULL, 'authorize', 'merchant_authorized', @currency, -@amount)";

        public const string AuthorizeAndCapture = Insert +
            "(@merchant_id, @payment_id, NULL, 'capture', 'acquirer_receivable', @currency, @amount), " +
            "(@merchant_id, @payment_id, NULL, 'capture', 'merchant_captured', @currency, -@amount)";

        public const string Capture = Insert +
            "(@merchant_id, @payment_id, NULL, 'capture', 'merchant_authorized', @currency, @amount), " +
            "(@merchant_id, @payment_id, NULL, 'capture', 'merchant_captured', @currency, -@amount)";

        public const string Release = Insert +
            "(@merchant_id, @payment_id, NULL, 'release', 'merchant_authorized', @currency, @amount), " +
            "(@merchant_id, @payment_id, NULL, 'release', 'acquirer_receivable', @currency, -@amount)";

        public const string Refund = Insert +
            "(@merchant_id, @payment_id, @refund_id, 'refund', 'merchant_refunds', @currency, @amount), " +
            "(@merchant_id, @payment_id, @refund_id, 'refund', 'acquirer_receivable', @currency, -@amount)";

        public const string Balance =
            "SELECT currency, account, SUM(amount) FROM ledger_entries WHERE merchant_id = @merchant_id " +
            "AND account IN ('merchant_captured', 'merchant_refunds') GROUP BY currency, account ORDER BY currency";

        public static async Task InsertAsync(DbConnection connection, string sql, string paymentId, long amount, string? refundId = null, string currency = "usd")
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            Db.AddParameter(command, "merchant_id", Merchant);
            Db.AddParameter(command, "payment_id", paymentId);
            if (refundId is not null)
            {
                Db.AddParameter(command, "refund_id", refundId);
            }

            Db.AddParameter(command, "currency", currency);
            Db.AddParameter(command, "amount", amount);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>An empty database of its own, to be migrated step by step.</summary>
    private sealed class ScratchDatabase : IAsyncDisposable
    {
        private readonly StoreKind store;
        private readonly string connectionString;
        private readonly string? directory;

        private ScratchDatabase(StoreKind store, string connectionString, string? directory)
        {
            this.store = store;
            this.connectionString = connectionString;
            this.directory = directory;
            Connections = store == StoreKind.Postgres ? new PostgresConnectionFactory(connectionString) : new SqliteConnectionFactory(connectionString);
            Runner = new MigrationRunner(Connections, NullLogger<MigrationRunner>.Instance);
        }

        public IConnectionFactory Connections { get; }

        public MigrationRunner Runner { get; }

        public static async Task<ScratchDatabase> CreateAsync(StoreKind store)
        {
            if (store == StoreKind.Postgres)
            {
                return new ScratchDatabase(store, await PostgresServer.CreateDatabaseAsync(), null);
            }

            var directory = Path.Combine(Path.GetTempPath(), "payments-api-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            return new ScratchDatabase(store, $"Data Source={Path.Combine(directory, "payments.db")}", directory);
        }

        /// <summary>Applies and records the migrations before <paramref name="version"/>, as a build of that time would have.</summary>
        public async Task MigrateBeforeAsync(string version)
        {
            await using var connection = await Connections.OpenAsync(CancellationToken.None);
            await ExecuteAsync(connection, "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
            foreach (var migration in MigrationRunner.Load(store).Where(m => string.CompareOrdinal(m.Version, version) < 0))
            {
                await ExecuteAsync(connection, migration.Sql);
                await ExecuteAsync(connection, $"INSERT INTO schema_migrations (version, name, applied_at) VALUES ('{migration.Version}', '{migration.Name}', '2026-12-01T00:00:00Z')");
            }
        }

        public async Task<List<string>> RowsAsync(string sql, string? merchantId = null)
        {
            await using var connection = await Connections.OpenAsync(CancellationToken.None);
            return await RowsAsync(connection, sql, merchantId);
        }

        public static async Task<List<string>> RowsAsync(DbConnection connection, string sql, string? merchantId = null)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            if (merchantId is not null)
            {
                Db.AddParameter(command, "merchant_id", merchantId);
            }

            return await StoreSql.RowsAsync(command);
        }

        public async ValueTask DisposeAsync()
        {
            switch (Connections)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }

            if (store == StoreKind.Postgres)
            {
                await PostgresServer.DropDatabaseAsync(connectionString);
            }
            else if (directory is not null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(directory, recursive: true);
            }
        }

        private static async Task ExecuteAsync(DbConnection connection, string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }
}
