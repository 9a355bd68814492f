using Microsoft.Extensions.Time.Testing;
using Payments.Api.Merchants;

namespace Payments.Api.Tests.Merchants;

public sealed class MerchantRateLimiterTests
{
    [Fact]
    public void A_full_bucket_admits_its_size_at_once_then_the_sustained_rate()
    {
        var clock = new FakeTimeProvider();
        var limiter = new MerchantRateLimiter(permitsPerSecond: 100, burst: 200, clock);

        Assert.Equal(200, Enumerable.Range(0, 300).Count(_ => limiter.TryAcquire("acct_a")));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(100, Enumerable.Range(0, 300).Count(_ => limiter.TryAcquire("acct_a")));
        Assert.True(limiter.TryAcquire("acct_b"));
    }

    [Fact]
    public async Task Concurrent_requests_never_take_more_than_the_bucket_holds()
    {
        var limiter = new MerchantRateLimiter(permitsPerSecond: 10, burst: 50, new FakeTimeProvider());
        var admitted = 0;

        await Parallel.ForAsync(0, 2_000, (_, _) =>
        {
            if (limiter.TryAcquire("acct_a"))
            {
                Interlocked.Increment(ref admitted);
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(50, admitted);
    }
}
