using System.Diagnostics;
using System.Net;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// The service with a small PostgreSQL pool: the write path's warm connections count against
/// <c>Maximum Pool Size</c>, and must never leave readiness, reads or the next write waiting.
/// </summary>
public sealed class ConnectionPoolTests
{
    private static readonly Dictionary<string, string?> Merchant = ApiFixture.MerchantAOnly();

    [Fact]
    public async Task After_a_write_burst_as_large_as_the_pool_readiness_reads_and_writes_answer_at_once()
    {
        // Timeout (connect and pool wait, real clock) is long enough for a new server process on a busy machine.
        await using var service = await SmallPoolService.StartAsync(";Maximum Pool Size=4;Timeout=10");
        var (app, client, warm) = (service.App, service.Client, service.Warm);

        // What a burst of 4+ concurrent creates leaves behind: every pooled connection warm on the write stack.
        await warm.ReturnAllAsync(await warm.RentManyAsync(4));
        Assert.Equal(4, warm.Held);

        // Npgsql would make these wait 10 s (its Timeout) and then fail; the stack's idle limit is 10 s. The bound is
        // half of that: well clear of any such wait, with room for four requests on a busy machine.
        var watch = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/v1/payments?limit=3", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/v1/balance", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, await CreateAsync(client));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => i % 2 == 0
            ? CreateAsync(client)
            : client.GetAsync(new Uri("/healthz/ready", UriKind.Relative)).ContinueWith(t => t.Result.StatusCode, TaskScheduler.Default)));
        Assert.All(results, status => Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, status.ToString()));
        Assert.InRange(warm.Held, 0, 4);
        await LedgerInvariant.AssertAsync(app.Services);
    }

    [Fact]
    public async Task A_pool_used_up_for_longer_than_the_timeout_answers_a_typed_503_and_recovers()
    {
        // Timeout=5 (real clock), not less: the set-up's create may wait for the one connection while the idempotency
        // sweeper's start-up pass holds it, and the test's two waits for the pool take 5 s each.
        await using var service = await SmallPoolService.StartAsync(";Maximum Pool Size=1;Timeout=5");
        var (app, client, warm) = (service.App, service.Client, service.Warm);

        // Something holds the only connection (a long transaction) for longer than Npgsql's Timeout.
        var held = await warm.RentAsync(CancellationToken.None);

        var reply = await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(), NewKey());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("api_error", reply.ErrorType);
        Assert.Equal("store_unavailable", reply.ErrorCode);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);

        await warm.ReturnAsync(held, reusable: true);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, await CreateAsync(client));
        await LedgerInvariant.AssertAsync(app.Services);
    }

    /// <summary>A PostgreSQL service with pool options appended to its connection string, one create done.</summary>
    private sealed class SmallPoolService(PaymentsApiFactory owner, PaymentsApiFactory app, HttpClient client) : IAsyncDisposable
    {
        public PaymentsApiFactory App => app;

        public HttpClient Client => client;

        public WarmConnections Warm => app.Services.GetRequiredService<PostgresConnectionFactory>().Pool;

        public static async Task<SmallPoolService> StartAsync(string poolOptions)
        {
            var owner = await PaymentsApiFactory.CreateAsync(StoreKind.Postgres, Merchant);
            var app = PaymentsApiFactory.SecondInstance(owner, new Dictionary<string, string?>
            {
                ["ConnectionStrings:Payments"] = owner.ConnectionString + poolOptions,
            });
            var service = new SmallPoolService(owner, app, app.CreateClient(ApiFixture.MerchantAKey));
            Assert.Equal(HttpStatusCode.Created, await CreateAsync(service.Client));
            return service;
        }

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await app.DisposeAsync();
            await owner.DisposeAsync();
        }
    }

    private static async Task<HttpStatusCode> CreateAsync(HttpClient client) =>
        (await ApiTestBase.PostAsync(client, "/v1/payments", ApiTestBase.PaymentBody(), NewKey())).Status;

    private static string NewKey() => Guid.NewGuid().ToString("N");
}
