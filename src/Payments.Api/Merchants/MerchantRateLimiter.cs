using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Payments.Api.Merchants;

/// <summary>
/// A token bucket per merchant that refills continuously, kept as one timestamp per merchant (the generic
/// cell rate algorithm): no timers, and it reads the injected <see cref="TimeProvider"/> like the rest of the service.
/// </summary>
public sealed class MerchantRateLimiter
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> theoreticalArrival = new(StringComparer.Ordinal);
    private readonly TimeProvider time;
    private readonly long interval;
    private readonly long tolerance;

    /// <param name="permitsPerSecond">Sustained requests per second per merchant (positive).</param>
    /// <param name="burst">Requests a merchant may send at once (the bucket's size, positive).</param>
    /// <param name="time">The clock.</param>
    public MerchantRateLimiter(int permitsPerSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(permitsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        ArgumentNullException.ThrowIfNull(time);
        this.time = time;
        interval = Math.Max(1, time.TimestampFrequency / permitsPerSecond);
        tolerance = (burst - 1) * interval;
    }

    /// <summary>Takes one request from the merchant's bucket; false when it is empty.</summary>
    public bool TryAcquire(string merchantId)
    {
        var arrival = theoreticalArrival.GetOrAdd(merchantId, _ => new StrongBox<long>(long.MinValue));
        while (true)
        {
            var now = time.GetTimestamp();
            var previous = Volatile.Read(ref arrival.Value);
            // The bucket is empty when the requests already admitted reach further ahead than a full bucket lasts.
            var start = Math.Max(previous, now);
            if (start - now > tolerance)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref arrival.Value, start + interval, previous) == previous)
            {
                return true;
            }
        }
    }
}
