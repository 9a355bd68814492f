using Payments.Api.Storage;

namespace Payments.Api.Http;

/// <summary>
/// Every failure leaves as the API's error object. Typed <see cref="ApiException"/>s carry their
/// status; framework rejections of malformed HTTP (bad headers, oversized bodies) stay 4xx; only a
/// genuine fault of ours is a 500 <c>api_error</c>, logged with the request id. An error answer
/// keeps the headers the middleware in front of this one set (<c>Request-Id</c>, <c>Connection:
/// close</c> while draining) and drops only what the failed handler had started to answer.
/// </summary>
public static partial class ErrorHandling
{
    public static IApplicationBuilder UsePaymentsErrors(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            var outer = OuterHeaders(context.Response.Headers);
            try
            {
                await next(context);
            }
            catch (ApiException exception) when (!context.Response.HasStarted)
            {
                Reset(context.Response, outer);
                await WriteAsync(context, exception.StatusCode, exception.Error);
            }
            catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
            {
                var status = exception.StatusCode is >= 400 and < 500 ? exception.StatusCode : StatusCodes.Status400BadRequest;
                var code = status == StatusCodes.Status413PayloadTooLarge ? "request_too_large" : "invalid_request";
                Reset(context.Response, outer);
                await WriteAsync(context, status, new ErrorBody(ErrorTypes.InvalidRequest, code, exception.Message));
            }
            catch (Exception exception) when (ClientResetConnection(exception))
            {
                // The client reset the connection while its request was read or answered: nobody is left to answer,
                // and it is no store outage, which is what the IOException would count as in the next clause.
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Payments.Api.Errors");
                LogClientReset(logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, context.TraceIdentifier);
            }
            catch (Exception exception) when (!context.Response.HasStarted && StoreFailures.IsTransient(exception))
            {
                // An outage or overload of the store is not our bug: say so, and that a retry is safe.
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Payments.Api.Errors");
                LogStoreUnavailable(logger, exception.GetType().Name, context.Request.Method, context.Request.Path.Value ?? string.Empty, context.TraceIdentifier);
                Reset(context.Response, outer);
                await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, new ErrorBody(
                    ErrorTypes.Api, "store_unavailable", "The payment store is temporarily unavailable; retry with the same Idempotency-Key."));
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; there is nobody to answer.
            }
            catch (Exception exception) when (!context.Response.HasStarted)
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Payments.Api.Errors");
                LogUnhandled(logger, exception, context.Request.Method, context.Request.Path.Value ?? string.Empty, context.TraceIdentifier);
                Reset(context.Response, outer);
                await WriteAsync(context, StatusCodes.Status500InternalServerError, new ErrorBody(
                    ErrorTypes.Api, "api_error", $"An internal error occurred (request {context.TraceIdentifier})."));
            }
        });

        // Responses the framework ends without a body (405 for a wrong method, 404 outside /v1) get the error shape too.
        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            var status = context.Response.StatusCode;
            var error = status switch
            {
                StatusCodes.Status404NotFound => new ErrorBody(ErrorTypes.InvalidRequest, "resource_missing", $"Unrecognized request URL ({context.Request.Method}: {context.Request.Path})."),
                StatusCodes.Status405MethodNotAllowed => new ErrorBody(ErrorTypes.InvalidRequest, "method_not_allowed", $"{context.Request.Method} is not allowed on {context.Request.Path}."),
                >= 400 and < 500 => new ErrorBody(ErrorTypes.InvalidRequest, "invalid_request", $"The request was rejected ({status})."),
                _ => new ErrorBody(ErrorTypes.Api, "api_error", $"An internal error occurred (request {context.TraceIdentifier})."),
            };
            await WriteAsync(context, status, error);
        });
        return app;
    }

    private static bool ClientResetConnection(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The response headers set before the endpoint ran (usually one or two); null when none.</summary>
    private static KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>[]? OuterHeaders(IHeaderDictionary headers) =>
        headers.Count == 0 ? null : [.. headers];

    /// <summary>Discards what the failed handler wrote (status, headers, buffered body) and puts the outer headers back.</summary>
    private static void Reset(HttpResponse response, KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>[]? outer)
    {
        response.Clear();
        foreach (var (name, value) in outer ?? [])
        {
            response.Headers[name] = value;
        }
    }

    /// <summary>
    /// Writes the error object over a response that has not started. The status-code pages call it on
    /// a bodiless answer whose headers (<c>Allow</c>, <c>WWW-Authenticate</c>, <c>Request-Id</c>) stand.
    /// </summary>
    private static async Task WriteAsync(HttpContext context, int status, ErrorBody error)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        else if (status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        var bytes = PaymentsJson.ErrorBytes(error);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store unavailable ({Exception}) on {Method} {Path} (request {RequestId})")]
    private static partial void LogStoreUnavailable(ILogger logger, string exception, string method, string path, string requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The client reset the connection during {Method} {Path} (request {RequestId})")]
    private static partial void LogClientReset(ILogger logger, string method, string path, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path} (request {RequestId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path, string requestId);
}
