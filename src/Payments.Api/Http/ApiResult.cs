using Payments.Api.Idempotency;

namespace Payments.Api.Http;

/// <summary>A finished response: status and JSON bytes, as sent and as stored for idempotent replay.</summary>
public sealed class ApiResult(int statusCode, byte[] body, bool replayed = false) : IResult
{
    public int StatusCode { get; } = statusCode;

    public ReadOnlyMemory<byte> Body { get; } = body;

    public bool Replayed { get; } = replayed;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json";
        response.ContentLength = Body.Length;
        if (Replayed)
        {
            response.Headers[IdempotencyRequest.ReplayedHeaderName] = "true";
        }

        return response.Body.WriteAsync(Body).AsTask();
    }
}
