using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// Blue/green: several tasks start at once on one database, and an old version keeps serving while
/// a new one has migrated. Readiness reports a store it cannot use.
/// </summary>
public sealed partial class MigrationSafetyTests
{
    private static readonly Dictionary<string, string?> Merchant = ApiFixture.MerchantAOnly();

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Instances_starting_at_once_on_a_fresh_database_apply_each_migration_exactly_once(StoreKind store)
    {
        await using var first = await PaymentsApiFactory.CreateAsync(store, Merchant);
        var others = Enumerable.Range(0, 4).Select(_ => PaymentsApiFactory.SecondInstance(first)).ToList();
        try
        {
            await Task.WhenAll(others.Prepend(first).Select(f => Task.Run(() => f.Services)));

            var counts = await VersionCountsAsync(first);
            Assert.Equal(MigrationRunner.Load(store).Select(m => m.Version), counts.Keys.Order(StringComparer.Ordinal));
            Assert.All(counts, c => Assert.Equal(1L, c.Value));
            foreach (var instance in others.Prepend(first))
            {
                using var client = instance.CreateClient(ApiFixture.MerchantAKey);
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/v1/balance", UriKind.Relative))).StatusCode);
            }
        }
        finally
        {
            foreach (var other in others)
            {
                await other.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task An_old_version_keeps_serving_and_restarting_after_a_newer_version_migrated(StoreKind store)
    {
        await using var old = await PaymentsApiFactory.CreateAsync(store, Merchant);
        using var client = old.CreateClient(ApiFixture.MerchantAKey);
        var before = await CreateAsync(client, capture: false);

        // What a newer version's additive migration looks like: a new column, a new table, its version row.
        await ExecuteAsync(old, "ALTER TABLE payments ADD COLUMN statement_descriptor TEXT");
        await ExecuteAsync(old, "CREATE TABLE payment_disputes (id TEXT PRIMARY KEY, payment_id TEXT NOT NULL)");
        await ExecuteAsync(old, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ('9999', '9999_future', '2030-01-01T00:00:00Z')");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, $"/v1/payments/{before}/capture", """{"amount": 100}""")).StatusCode);
        var after = await CreateAsync(client, capture: true);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, $"/v1/payments/{after}/refunds", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"/v1/payments/{after}", UriKind.Relative))).StatusCode);

        // A restarted old task (same build) migrates without touching the newer version and is ready.
        await using var restarted = PaymentsApiFactory.SecondInstance(old);
        using var restartedClient = restarted.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await restartedClient.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
        Assert.Equal(1L, (await VersionCountsAsync(old))["9999"]);
        await LedgerInvariant.AssertAsync(old.Services);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public void Migrations_after_the_first_are_additive_only(StoreKind store)
    {
        var later = MigrationRunner.Load(store).Where(m => string.CompareOrdinal(m.Version, "0001") > 0).ToList();
        Assert.NotEmpty(later);
        foreach (var migration in later)
        {
            var sql = SqlComment().Replace(migration.Sql, string.Empty);
            if (migration.Version == "0008")
            {
                // The one exception: the journal's table becomes a view of the same name that the previous
                // release still writes and reads (LedgerJournalMigrationTests run its statements).
                Assert.Equal(["ledger_entries"], DroppedTable().Matches(sql).Select(m => m.Groups[1].Value));
                Assert.Matches(@"CREATE VIEW ledger_entries AS", sql);
                Assert.Matches(@"CREATE TRIGGER ledger_entries_insert INSTEAD OF INSERT ON ledger_entries", sql);
                sql = DroppedTable().Replace(sql, string.Empty).Replace("DROP TABLE temp.ledger_backfill_check;", string.Empty, StringComparison.Ordinal);
            }

            Assert.False(Destructive().IsMatch(sql), $"{store} {migration.Name} is not additive: {Destructive().Match(sql).Value}");
        }
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Readiness_is_503_while_a_migration_this_build_needs_is_missing(StoreKind store)
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(store, Merchant);
        using var client = factory.CreateClient();
        var last = MigrationRunner.Load(store)[^1];
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);

        await ExecuteAsync(factory, $"DELETE FROM schema_migrations WHERE version = '{last.Version}'");
        using var pending = await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, pending.StatusCode);
        Assert.Contains("migrations_pending", await pending.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz/live", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Postgres_readiness_is_503_while_the_database_refuses_connections_and_recovers()
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(StoreKind.Postgres, Merchant);
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
        var database = new NpgsqlConnectionStringBuilder(factory.ConnectionString).Database!;

        await AdminAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
        try
        {
            using var down = await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Contains("store_unreachable", await down.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz/live", UriKind.Relative))).StatusCode);
        }
        finally
        {
            await AdminAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS true");
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
    }

    private static async Task<string> CreateAsync(HttpClient client, bool capture)
    {
        using var response = await PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(1000, capture: capture));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await client.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    private static Task ExecuteAsync(PaymentsApiFactory factory, string sql) => StoreSql.ExecuteAsync(factory.Services, sql);

    private static async Task<Dictionary<string, long>> VersionCountsAsync(PaymentsApiFactory factory)
    {
        await using var connection = await factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version";
        var counts = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return counts;
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await using var command = new NpgsqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    [GeneratedRegex(@"--[^\n]*")]
    private static partial Regex SqlComment();

    [GeneratedRegex(@"DROP TABLE (ledger_entries);")]
    private static partial Regex DroppedTable();

    // Statements an old version still running could trip over: removing or renaming what it uses,
    // changing a column's type, or a new constraint its inserts do not satisfy.
    [GeneratedRegex(@"(?i)\b(DROP\s+(TABLE|COLUMN|VIEW|INDEX)|RENAME|ALTER\s+COLUMN|SET\s+NOT\s+NULL|TRUNCATE\s+(TABLE\s+)?[a-z_]+\s*;|DELETE\s+FROM)\b")]
    private static partial Regex Destructive();
}
