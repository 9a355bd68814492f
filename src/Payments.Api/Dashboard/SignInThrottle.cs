using System.Net;

namespace Payments.Api.Dashboard;

/// <summary>
/// Failed dashboard sign-ins, counted per client address and per key prefix over a sliding window
/// (<see cref="DashboardOptions.SignInFailureWindowMinutes"/>). An address with too many failures is
/// refused until its oldest failure leaves the window. A key prefix with too many failures (guesses
/// spread over many addresses) is refused only to addresses that have failed themselves within the
/// window, so a merchant who has not mistyped still signs in during an attack on the prefix; each
/// attacking address then gets one guess per window. Counts live in this process: behind a load
/// balancer each task keeps its own, so the budget grows with the number of tasks, no further.
/// </summary>
public sealed class SignInThrottle(Microsoft.Extensions.Options.IOptions<DashboardOptions> options, TimeProvider time)
{
    /// <summary>Characters of a key that name its prefix, as <c>api_keys.key_prefix</c> keeps them.</summary>
    public const int KeyPrefixLength = 7;

    // Beyond this many tracked addresses or prefixes, expired entries are dropped first and then the
    // oldest, so a flood of addresses cannot grow memory without bound.
    private const int MaxTracked = 100_000;

    private readonly Dictionary<string, Queue<DateTimeOffset>> byAddress = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<DateTimeOffset>> byPrefix = new(StringComparer.Ordinal);

    private TimeSpan Window => TimeSpan.FromMinutes(options.Value.SignInFailureWindowMinutes);

    public static string KeyPrefix(string key) => key[..Math.Min(KeyPrefixLength, key.Length)];

    /// <summary>When this address may try again with a key of this prefix, or null when it may now.</summary>
    public DateTimeOffset? RetryAt(string address, string keyPrefix)
    {
        var now = time.GetUtcNow();
        lock (byAddress)
        {
            var own = Recent(byAddress, address, now);
            if (own.Count >= options.Value.SignInFailuresPerAddress)
            {
                return own.Peek() + Window;
            }

            var prefix = Recent(byPrefix, keyPrefix, now);
            if (own.Count > 0 && prefix.Count >= options.Value.SignInFailuresPerKeyPrefix)
            {
                // Free again when either count drops: the address's own failures or the prefix's.
                return Min(own.Peek(), prefix.ElementAt(prefix.Count - options.Value.SignInFailuresPerKeyPrefix)) + Window;
            }

            return null;
        }
    }

    public void RecordFailure(string address, string keyPrefix)
    {
        var now = time.GetUtcNow();
        lock (byAddress)
        {
            Add(byAddress, address, now);
            Add(byPrefix, keyPrefix, now);
        }
    }

    /// <summary>
    /// The client's address: the last <c>X-Forwarded-For</c> entry when
    /// <see cref="DashboardOptions.TrustForwardedFor"/> says a load balancer appends it (earlier entries
    /// are whatever the client sent), else the connection's peer.
    /// </summary>
    public static string ClientAddress(HttpContext context, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        if (options.TrustForwardedFor)
        {
            var forwarded = context.Request.Headers["X-Forwarded-For"].ToString();
            var last = forwarded[(forwarded.LastIndexOf(',') + 1)..].Trim();
            if (IPAddress.TryParse(last, out var address))
            {
                return address.ToString();
            }
        }

        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    private Queue<DateTimeOffset> Recent(Dictionary<string, Queue<DateTimeOffset>> counts, string key, DateTimeOffset now)
    {
        if (!counts.TryGetValue(key, out var failures))
        {
            return EmptyQueue;
        }

        while (failures.Count > 0 && failures.Peek() + Window <= now)
        {
            failures.Dequeue();
        }

        if (failures.Count == 0)
        {
            counts.Remove(key);
        }

        return failures;
    }

    private void Add(Dictionary<string, Queue<DateTimeOffset>> counts, string key, DateTimeOffset now)
    {
        if (!counts.TryGetValue(key, out var failures))
        {
            if (counts.Count >= MaxTracked)
            {
                Prune(counts, now);
            }

            failures = new Queue<DateTimeOffset>();
            counts[key] = failures;
        }

        failures.Enqueue(now);
        // Only the most recent failures up to the larger limit matter.
        while (failures.Count > Math.Max(options.Value.SignInFailuresPerAddress, options.Value.SignInFailuresPerKeyPrefix))
        {
            failures.Dequeue();
        }
    }

    private void Prune(Dictionary<string, Queue<DateTimeOffset>> counts, DateTimeOffset now)
    {
        foreach (var key in counts.Keys.ToList())
        {
            Recent(counts, key, now);
        }

        if (counts.Count >= MaxTracked)
        {
            foreach (var key in counts.OrderBy(pair => pair.Value.Peek()).Take(counts.Count - MaxTracked + 1).Select(pair => pair.Key).ToList())
            {
                counts.Remove(key);
            }
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static readonly Queue<DateTimeOffset> EmptyQueue = new();
}
