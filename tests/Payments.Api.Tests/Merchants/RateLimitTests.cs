using System.Net;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Merchants;

public abstract class RateLimitedFixture(Api.Storage.StoreKind store) : ApiFixture(store)
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Payments:RateLimit:PermitsPerSecond"] = "2";
        settings["Payments:RateLimit:Burst"] = "5";
    }
}

public sealed class RateLimitedSqliteFixture() : RateLimitedFixture(Api.Storage.StoreKind.Sqlite);

public sealed class RateLimitedPostgresFixture() : RateLimitedFixture(Api.Storage.StoreKind.Postgres);

public abstract class RateLimitTests(RateLimitedFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task Each_merchant_has_its_own_bucket_and_excess_is_429_rate_limit_error()
    {
        var replies = new List<Reply>();
        for (var i = 0; i < 12; i++)
        {
            replies.Add(await GetAsync(A, "/v1/balance"));
        }

        var limited = replies.Where(r => r.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(replies.Count(r => r.Status == HttpStatusCode.OK), 5, 7);
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.Equal("rate_limit_error", r.ErrorType));
        Assert.All(limited, r => Assert.Equal("1", r.Headers.RetryAfter?.ToString()));

        // Merchant B is not affected by A's burst.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(B, "/v1/balance")).Status);

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(A, "/v1/balance")).Status);
    }
}

public sealed class RateLimitTestsSqlite(RateLimitedSqliteFixture fixture) : RateLimitTests(fixture), IClassFixture<RateLimitedSqliteFixture>;

public sealed class RateLimitTestsPostgres(RateLimitedPostgresFixture fixture) : RateLimitTests(fixture), IClassFixture<RateLimitedPostgresFixture>;
