using System.Text.Json.Serialization;

namespace Payments.Api.Http;

/// <summary>The error types clients switch on (Stripe's set).</summary>
public static class ErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Card = "card_error";
    public const string Idempotency = "idempotency_error";
    public const string Authentication = "authentication_error";
    public const string RateLimit = "rate_limit_error";
    public const string Api = "api_error";
}

public sealed record ErrorBody(
    string Type,
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Param = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeclineCode = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PaymentId = null);

public sealed record ErrorEnvelope(ErrorBody Error);

/// <summary>
/// A request that cannot be served as asked, answered with a typed 4xx error object. Thrown from
/// validation and business rules; the error middleware turns it into the response.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int statusCode, ErrorBody error)
        : base(error.Message)
    {
        StatusCode = statusCode;
        Error = error;
    }

    public ApiException()
        : this(StatusCodes.Status500InternalServerError, new ErrorBody(ErrorTypes.Api, "api_error", "internal error"))
    {
    }

    public ApiException(string message)
        : this(StatusCodes.Status400BadRequest, new ErrorBody(ErrorTypes.InvalidRequest, "invalid_request", message))
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = StatusCodes.Status400BadRequest;
        Error = new ErrorBody(ErrorTypes.InvalidRequest, "invalid_request", message);
    }

    public int StatusCode { get; }

    public ErrorBody Error { get; }

    public static ApiException Invalid(string code, string message, string? param = null) =>
        new(StatusCodes.Status400BadRequest, new ErrorBody(ErrorTypes.InvalidRequest, code, message, param));

    public static ApiException NotFound(string message, string? param = null) =>
        new(StatusCodes.Status404NotFound, new ErrorBody(ErrorTypes.InvalidRequest, "resource_missing", message, param));
}
