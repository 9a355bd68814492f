using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Npgsql;
using Payments.Api.Acquiring;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Payments;

/// <summary>
/// A connection that breaks while its COMMIT is in flight leaves the outcome unknown to the service. It
/// reads back on another connection before answering: committed means 201 (never a void of a recorded
/// payment), absent means void and 503, and when it cannot tell it answers 503 and keeps the
/// authorization for reconciliation. The service reaches PostgreSQL through a proxy that cuts the
/// connection at exactly that moment.
/// </summary>
public sealed class AmbiguousCommitTests(PostgresApiFixture fixture) : ApiTestBase(fixture), IClassFixture<PostgresApiFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_commit_that_happened_before_the_connection_broke_is_answered_201_and_not_voided()
    {
        await using var proxy = Proxy();
        var (owner, service, acquirer) = Service(proxy);
        await using var _ = owner;
        using var outcomes = AmbiguousCommitOutcomes.Of(service.Services);
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(6100), Key())).Status);

        proxy.Arm(CommitCut.AfterCommitAnswered);
        var key = Key();
        var reply = await PostAsync(client, "/v1/payments", PaymentBody(6101), key).WaitAsync(Deadline);

        Assert.True(proxy.Cut.Task.IsCompleted, "the proxy never cut a commit");
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        Assert.Empty(acquirer.Voided);
        Assert.Equal(1, await StoreSql.ScalarAsync(Fixture.Factory.Services, $"SELECT COUNT(*) FROM payments WHERE id = '{reply.Json.GetProperty("id").GetString()}'"));
        Assert.Equal(["committed"], outcomes.Values);
        var replay = await PostAsync(client, "/v1/payments", PaymentBody(6101), key);
        Assert.Equal(HttpStatusCode.Created, replay.Status);
        Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task A_commit_that_never_reached_the_server_voids_the_approval_and_answers_503()
    {
        await using var proxy = Proxy();
        var (owner, service, acquirer) = Service(proxy);
        await using var _ = owner;
        using var outcomes = AmbiguousCommitOutcomes.Of(service.Services);
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(6200), Key())).Status);

        proxy.Arm(CommitCut.BeforeCommitSent);
        var reply = await PostAsync(client, "/v1/payments", PaymentBody(6201), Key()).WaitAsync(Deadline);

        Assert.True(proxy.Cut.Task.IsCompleted, "the proxy never cut a commit");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("store_unavailable", reply.ErrorCode);
        Assert.Equal(acquirer.Authorized.Skip(1), acquirer.Voided);
        Assert.Equal(0, await StoreSql.ScalarAsync(Fixture.Factory.Services, "SELECT COUNT(*) FROM payments WHERE amount = 6201"));
        Assert.Equal(["rolled_back"], outcomes.Values);
    }

    [Fact]
    public async Task A_commit_whose_outcome_cannot_be_read_back_answers_503_and_keeps_the_approval()
    {
        await using var proxy = Proxy();
        var (owner, service, acquirer) = Service(proxy);
        await using var _ = owner;
        using var outcomes = AmbiguousCommitOutcomes.Of(service.Services);
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(6300), Key())).Status);

        // The commit happens, then the database becomes unreachable: the read-back fails.
        proxy.RefuseAfterCut = true;
        proxy.Arm(CommitCut.AfterCommitAnswered);
        var key = Key();
        var reply = await PostAsync(client, "/v1/payments", PaymentBody(6301), key).WaitAsync(Deadline);

        Assert.True(proxy.Cut.Task.IsCompleted, "the proxy never cut a commit");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("store_unavailable", reply.ErrorCode);
        Assert.Equal("1", reply.Headers.RetryAfter?.ToString());
        Assert.Empty(acquirer.Voided);
        Assert.Equal(["unknown"], outcomes.Values);
        Assert.Equal(1, await StoreSql.ScalarAsync(Fixture.Factory.Services, "SELECT COUNT(*) FROM payments WHERE amount = 6301"));

        // Reachable again: the same key finds the payment that was committed.
        proxy.Refusing = false;
        var retried = await RetryWhileUnavailableAsync(() => PostAsync(client, "/v1/payments", PaymentBody(6301), key));
        Assert.Equal(HttpStatusCode.Created, retried.Status);
        Assert.True(retried.Headers.Contains("Idempotent-Replayed"));
    }

    private static string Key() => "ambiguous-" + Guid.NewGuid().ToString("N");

    private static CommitCuttingProxy Proxy()
    {
        var direct = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString);
        return new CommitCuttingProxy(direct.Host!, direct.Port);
    }

    /// <summary>A service of its own on the fixture's database, through <paramref name="proxy"/>, one commit at a time.</summary>
    private (PaymentsApiFactory Owner, WebApplicationFactory<Program> Service, RecordingAcquirer Acquirer) Service(CommitCuttingProxy proxy)
    {
        var connection = new NpgsqlConnectionStringBuilder(Fixture.Factory.ConnectionString)
        {
            Host = "127.0.0.1",
            Port = proxy.Port,
            // The proxy finds the commit by its SQL text, which prepared statements no longer send.
            MaxAutoPrepare = 0,
        };
        var owner = PaymentsApiFactory.SecondInstance((PaymentsApiFactory)Fixture.Factory, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Payments"] = connection.ConnectionString,
            ["Payments:Batching:MaxConcurrentCommits"] = "1",
        });
        var acquirer = new RecordingAcquirer();
        return (owner, owner.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton<IAcquirer>(acquirer))), acquirer);
    }

    private static async Task<Reply> RetryWhileUnavailableAsync(Func<Task<Reply>> request)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            // Pooled connections broken by the outage fail one request each before the pool is healthy again.
            var reply = await request();
            if (reply.Status != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                return reply;
            }
        }
    }
}

/// <summary>
/// On SQLite a COMMIT can fail after every statement ran (here a deferred foreign key, checked at COMMIT):
/// the store reads back before anyone voids, finds nothing and voids.
/// </summary>
public sealed class AmbiguousCommitTestsSqlite(SqliteApiFixture fixture) : ApiTestBase(fixture), IClassFixture<SqliteApiFixture>
{
    [Fact]
    public async Task A_commit_that_failed_is_read_back_and_its_approval_voided_when_the_payment_is_absent()
    {
        const string description = "refused at commit";
        var acquirer = new RecordingAcquirer();
        using var factory = Fixture.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton<IAcquirer>(acquirer)));
        using var outcomes = AmbiguousCommitOutcomes.Of(factory.Services);
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        await StoreSql.ExecuteAsync(factory.Services, $"""
            CREATE TABLE commit_parent (id TEXT PRIMARY KEY);
            CREATE TABLE commit_check (payment_id TEXT REFERENCES commit_parent (id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TRIGGER refuse_at_commit AFTER INSERT ON payments WHEN NEW.description = '{description}'
              BEGIN INSERT INTO commit_check VALUES (NEW.id); END;
            """);
        Reply failed;
        try
        {
            failed = await PostAsync(client, "/v1/payments", PaymentBody(6401, extra: $$""", "description": "{{description}}" """), "sqlite-" + Guid.NewGuid().ToString("N"));
        }
        finally
        {
            await StoreSql.ExecuteAsync(factory.Services, "DROP TRIGGER refuse_at_commit; DROP TABLE commit_check; DROP TABLE commit_parent;");
        }

        Assert.True((int)failed.Status >= 500, failed.ToString());
        Assert.Single(acquirer.Authorized);
        Assert.Equal(acquirer.Authorized, acquirer.Voided);
        Assert.Equal(0, await StoreSql.ScalarAsync(factory.Services, "SELECT COUNT(*) FROM payments WHERE amount = 6401"));
        Assert.Equal(["rolled_back"], outcomes.Values);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(6402), "sqlite-" + Guid.NewGuid().ToString("N"))).Status);
    }
}

/// <summary>The outcomes one service recorded in <c>payments.store.ambiguous_commits</c>.</summary>
internal static class AmbiguousCommitOutcomes
{
    public static CounterTags Of(IServiceProvider services) => new(services, "payments.store.ambiguous_commits", "outcome");
}
