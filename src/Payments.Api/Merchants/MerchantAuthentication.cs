using System.Threading.RateLimiting;
using Payments.Api.Http;

namespace Payments.Api.Merchants;

/// <summary>Rate limit per merchant: a token bucket of <c>PermitsPerSecond</c> refilled continuously.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained requests per second per merchant; 0 turns rate limiting off.</summary>
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Requests a merchant may burst above the sustained rate; 0 means 2 × PermitsPerSecond.</summary>
    public int Burst { get; set; }
}

/// <summary>
/// Applied once to the <c>/v1</c> route group: <c>Authorization: Bearer &lt;secret key&gt;</c> → the
/// merchant (401 otherwise), then the merchant's rate limit (429).
/// </summary>
public sealed class MerchantAuthenticationFilter : IEndpointFilter, IDisposable
{
    private const string MerchantItem = "payments.merchant_id";
    private readonly MerchantStore merchants;
    private readonly PartitionedRateLimiter<string>? limiter;

    public MerchantAuthenticationFilter(MerchantStore merchants, Microsoft.Extensions.Options.IOptions<RateLimitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.merchants = merchants;
        var rate = options.Value;
        if (rate.PermitsPerSecond > 0)
        {
            var burst = rate.Burst > 0 ? rate.Burst : rate.PermitsPerSecond * 2;
            // Refill every 10 ms so the bucket tracks the rate smoothly even for small limits.
            var perPeriod = Math.Max(1, rate.PermitsPerSecond / 100);
            var period = TimeSpan.FromSeconds((double)perPeriod / rate.PermitsPerSecond);
            limiter = PartitionedRateLimiter.Create<string, string>(merchantId => RateLimitPartition.GetTokenBucketLimiter(
                merchantId,
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = perPeriod,
                    ReplenishmentPeriod = period,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        }
    }

    public static string MerchantId(HttpContext context) =>
        context?.Items[MerchantItem] as string ?? throw new InvalidOperationException("the merchant filter did not run on this route");

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization;
        string? key = null;
        if (header.Count == 1 && header[0] is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = value["Bearer ".Length..].Trim();
        }

        if (string.IsNullOrEmpty(key) || key.Length > 200)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Unauthorized("No valid API key provided. Send 'Authorization: Bearer <secret key>'.");
        }

        var merchantId = await merchants.AuthenticateAsync(key, http.RequestAborted);
        if (merchantId is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Unauthorized("Invalid API key provided.");
        }

        http.Items[MerchantItem] = merchantId;
        if (limiter is not null)
        {
            using var lease = limiter.AttemptAcquire(merchantId);
            if (!lease.IsAcquired)
            {
                http.Response.Headers.RetryAfter = "1";
                return new ApiResult(StatusCodes.Status429TooManyRequests, PaymentsJson.ErrorBytes(new ErrorBody(
                    ErrorTypes.RateLimit, "rate_limit", "Too many requests for this merchant; slow down and retry.")));
            }
        }

        return await next(context);
    }

    private static ApiResult Unauthorized(string message) =>
        new(StatusCodes.Status401Unauthorized, PaymentsJson.ErrorBytes(new ErrorBody(ErrorTypes.Authentication, "invalid_api_key", message)));

    public void Dispose() => limiter?.Dispose();
}
