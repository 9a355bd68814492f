using Payments.Api.Idempotency;

namespace Payments.Api.Http;

/// <summary>A finished response: status and JSON bytes, as sent and as stored for idempotent replay.</summary>
public sealed class ApiResult(int statusCode, byte[] body, bool replayed = false, string? text = null) : IResult
{
    public int StatusCode { get; } = statusCode;

    private string? bodyText = text;

    public ReadOnlyMemory<byte> Body { get; } = body;

    /// <summary>The body as a string (stored for replay, and as the outbox payload of the same object), decoded once.</summary>
    public string BodyText => bodyText ??= System.Text.Encoding.UTF8.GetString(Body.Span);

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
