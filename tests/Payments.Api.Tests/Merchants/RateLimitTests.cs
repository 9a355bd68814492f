using System.Net;
using Microsoft.Extensions.Time.Testing;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Merchants;

/// <summary>2 requests per second (one token every 0.5 s), a bucket of 5, on a clock that only the test moves.</summary>
public abstract class RateLimitedFixture(Api.Storage.StoreKind store) : ApiFixture(store)
{
    public static readonly TimeSpan RefillPeriod = TimeSpan.FromSeconds(0.5);

    public FakeTimeProvider Clock { get; } = new();

    protected override TimeProvider? Time => Clock;

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
        RefillBuckets();
        var replies = new List<Reply>();
        for (var i = 0; i < 8; i++)
        {
            replies.Add(await GetAsync(A, "/v1/balance"));
        }

        // The clock stands still: the bucket of 5 is all there is.
        Assert.Equal(5, replies.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5), replies.Take(5).Select(r => r.Status));
        var limited = replies.Skip(5).ToList();
        Assert.All(limited, r => Assert.Equal(HttpStatusCode.TooManyRequests, r.Status));
        Assert.All(limited, r => Assert.Equal("rate_limit_error", r.ErrorType));
        Assert.All(limited, r => Assert.Equal("1", r.Headers.RetryAfter?.ToString()));

        // Merchant B is not affected by A's burst.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(B, "/v1/balance")).Status);
    }

    [Fact]
    public async Task An_empty_bucket_gains_one_request_per_refill_period_and_never_more_than_its_size()
    {
        RefillBuckets();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(A, "/v1/balance")).Status);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(A, "/v1/balance")).Status);

        Clock.Advance(RateLimitedFixture.RefillPeriod - TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(A, "/v1/balance")).Status);

        Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(A, "/v1/balance")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(A, "/v1/balance")).Status);

        // A long quiet spell refills the bucket to its size, not beyond.
        Clock.Advance(TimeSpan.FromMinutes(1));
        var afterQuiet = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            afterQuiet.Add((await GetAsync(A, "/v1/balance")).Status);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), HttpStatusCode.TooManyRequests], afterQuiet);
    }

    /// <summary>The tests of a class share one service: each starts from full buckets.</summary>
    private void RefillBuckets() => Clock.Advance(TimeSpan.FromMinutes(1));

    private FakeTimeProvider Clock => ((RateLimitedFixture)Fixture).Clock;
}

public sealed class RateLimitTestsSqlite(RateLimitedSqliteFixture fixture) : RateLimitTests(fixture), IClassFixture<RateLimitedSqliteFixture>;

public sealed class RateLimitTestsPostgres(RateLimitedPostgresFixture fixture) : RateLimitTests(fixture), IClassFixture<RateLimitedPostgresFixture>;
