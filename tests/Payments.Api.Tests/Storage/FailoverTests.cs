using System.Net;
using Npgsql;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// An Aurora failover on real PostgreSQL: the pool holds sessions on a server that has become read-only
/// (the demoted writer) while new sessions reach a writable one (the promoted writer). PostgreSQL
/// gives sessions <c>default_transaction_read_only</c> of their database when they start, so flipping
/// it on, opening sessions, and flipping it back leaves exactly that pool.
/// </summary>
public sealed class FailoverTests
{
    [Fact]
    public async Task A_write_on_a_pooled_session_of_a_demoted_writer_is_retried_once_on_a_fresh_session()
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(StoreKind.Postgres, ApiFixture.MerchantAOnly());
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        var connections = factory.Services.GetRequiredService<PostgresConnectionFactory>();
        Assert.Equal(HttpStatusCode.Created, (await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(100))).Status);

        await PoolOnlyReadOnlySessionsAsync(factory, client, connections, writableAfterwards: true);
        var plain = await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(200));
        // With an idempotency key the transaction takes two round trips (claim, then commit): the claim's
        // results are replayed on the fresh session before the commit runs there.
        await PoolOnlyReadOnlySessionsAsync(factory, client, connections, writableAfterwards: true);
        var keyed = await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(300), "failover-key");
        var replayed = await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(300), "failover-key");

        Assert.Equal(HttpStatusCode.Created, plain.Status);
        Assert.Equal(HttpStatusCode.Created, keyed.Status);
        Assert.Equal(keyed.Json.GetProperty("id").GetString(), replayed.Json.GetProperty("id").GetString());
        Assert.Equal(2, connections.FailoverRecoveries);
        Assert.Equal(3L, await CountAsync(factory, "SELECT count(*) FROM payments"));
        await LedgerInvariant.AssertAsync(factory.Services);
    }

    [Fact]
    public async Task A_server_that_stays_read_only_answers_503_after_the_one_retry_and_nothing_is_written()
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(StoreKind.Postgres, ApiFixture.MerchantAOnly());
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        var connections = factory.Services.GetRequiredService<PostgresConnectionFactory>();
        Assert.Equal(HttpStatusCode.Created, (await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(100))).Status);

        await PoolOnlyReadOnlySessionsAsync(factory, client, connections, writableAfterwards: false);
        var refused = await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(200));
        await SetReadOnlyAsync(factory, false);
        await connections.ClearPoolAsync();
        var after = await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(300));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("store_unavailable", refused.ErrorCode);
        Assert.Equal(0, connections.FailoverRecoveries);
        Assert.Equal(HttpStatusCode.Created, after.Status);
        Assert.Equal(2L, await CountAsync(factory, "SELECT count(*) FROM payments"));
    }

    /// <summary>
    /// Leaves Npgsql's pool holding only read-only sessions: they start while the database is read-only
    /// (concurrent reads open several), then the database turns writable again for new sessions when
    /// <paramref name="writableAfterwards"/>.
    /// </summary>
    private static async Task PoolOnlyReadOnlySessionsAsync(PaymentsApiFactory factory, HttpClient client, PostgresConnectionFactory connections, bool writableAfterwards)
    {
        await SetReadOnlyAsync(factory, true);
        await connections.ClearPoolAsync();
        var reads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ApiTestBase.GetAsync(client, "/v1/payments?limit=1")));
        Assert.All(reads, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        await using (var probe = await connections.OpenAsync(CancellationToken.None))
        {
            await using var command = probe.CreateCommand();
            command.CommandText = "SHOW transaction_read_only";
            Assert.Equal("on", (string?)await command.ExecuteScalarAsync());
        }

        if (writableAfterwards)
        {
            await SetReadOnlyAsync(factory, false);
        }
    }

    private static async Task SetReadOnlyAsync(PaymentsApiFactory factory, bool readOnly)
    {
        var database = new NpgsqlConnectionStringBuilder(factory.ConnectionString).Database;
        await using var admin = new NpgsqlConnection(PostgresServer.ConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand($"ALTER DATABASE \"{database}\" SET default_transaction_read_only = {(readOnly ? "on" : "off")}", admin);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(PaymentsApiFactory factory, string sql)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
