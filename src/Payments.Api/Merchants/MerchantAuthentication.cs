using Payments.Api.Http;

namespace Payments.Api.Merchants;

/// <summary>Rate limit per merchant: a token bucket of <c>Burst</c> requests refilled continuously at <c>PermitsPerSecond</c>.</summary>
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
public sealed class MerchantAuthenticationFilter : IEndpointFilter
{
    private const string MerchantItem = "payments.merchant_id";
    private readonly MerchantStore merchants;
    private readonly MerchantRateLimiter? limiter;

    public MerchantAuthenticationFilter(MerchantStore merchants, Microsoft.Extensions.Options.IOptions<RateLimitOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.merchants = merchants;
        var rate = options.Value;
        if (rate.PermitsPerSecond > 0)
        {
            limiter = new MerchantRateLimiter(rate.PermitsPerSecond, rate.Burst > 0 ? rate.Burst : rate.PermitsPerSecond * 2, time);
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
            // RFC 6750: the scheme, one or more spaces, the token. A tab, a form feed or a non-breaking space
            // around or inside it makes another credential, not the same key.
            var token = value.AsSpan("Bearer ".Length).TrimStart(' ');
            key = MerchantStore.IsKeyText(token) ? token.ToString() : null;
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
            if (!limiter.TryAcquire(merchantId))
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
}
