using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Net.Http.Headers;

namespace Payments.Api.Http;

/// <summary>A request body read in full (it is small: at most <see cref="MaxBytes"/>).</summary>
public sealed class JsonBody
{
    public const int MaxBytes = 64 * 1024;

    private JsonBody(byte[] bytes) => Bytes = bytes;

    /// <summary>The raw body; hashed for idempotency (a new payment's without its card secrets), so a replay must send the same bytes.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    public bool IsEmpty => Bytes.IsEmpty;

    /// <summary>
    /// Reads the body: 415 unless it is JSON (an empty body needs no content type), 413 over 64 KB.
    /// </summary>
    public static async Task<JsonBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }

        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > MaxBytes)
                    {
                        throw TooLarge();
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > MaxBytes)
                {
                    throw TooLarge();
                }
            }

            // The body is read as sent: a compressed (or otherwise encoded) body is not JSON to us.
            if (length > 0 && request.Headers.ContentEncoding is { Count: > 0 } encoding && !IsIdentity(encoding))
            {
                throw new ApiException(StatusCodes.Status415UnsupportedMediaType, new ErrorBody(
                    ErrorTypes.InvalidRequest, "unsupported_media_type", $"Content-Encoding '{encoding}' is not supported; send the JSON body uncompressed."));
            }

            if (length > 0 && !IsJsonContentType(request.ContentType))
            {
                throw new ApiException(StatusCodes.Status415UnsupportedMediaType, new ErrorBody(
                    ErrorTypes.InvalidRequest, "unsupported_media_type", "Request bodies must be JSON (Content-Type: application/json)."));
            }

            return new JsonBody(buffer.AsSpan(0, length).ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Deserializes strictly. Malformed JSON, invalid UTF-8, wrong types and unknown fields become a
    /// 400 whose <c>param</c> is the JSON path of the offending member.
    /// </summary>
    public T Deserialize<T>(JsonTypeInfo<T> typeInfo)
        where T : class, new()
    {
        if (Bytes.IsEmpty)
        {
            return new T();
        }

        T? value;
        try
        {
            value = JsonSerializer.Deserialize(Bytes.Span, typeInfo);
        }
        catch (JsonException exception)
        {
            throw Rejection(exception);
        }
        catch (InvalidOperationException exception)
        {
            // Thrown for some invalid-UTF-8 and transcoding failures.
            throw ApiException.Invalid("parameter_invalid", "The request body is not valid UTF-8 JSON: " + exception.Message);
        }

        return value ?? throw ApiException.Invalid("parameter_invalid", "The request body must be a JSON object.");
    }

    private static ApiException Rejection(JsonException exception)
    {
        // The serializer's messages name .NET types; say it in wire terms, with one code per field.
        var param = PaymentsJson.PathToParam(exception.Path);
        var message = exception.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return ApiException.Invalid("parameter_unknown", $"Received unknown parameter: {param ?? "(root)"}.", param);
        }

        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return ApiException.Invalid("parameter_invalid", "The request body contains a duplicate property" + (param is null ? "." : $" at {param}."), param);
        }

        // A value of the wrong JSON type, a number beyond its .NET type (2^63, 2^31 for a year), or a
        // string that is not valid Unicode (a lone surrogate escape, invalid UTF-8): the field's error.
        if (exception.InnerException is FormatException or InvalidOperationException or OverflowException
            || message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return param is null
                ? ApiException.Invalid("parameter_invalid", "The request body must be a JSON object.")
                : Payments.PaymentValidation.InvalidValue(param);
        }

        return ApiException.Invalid(
            "parameter_invalid",
            "The request body is not valid JSON" + (exception.LineNumber is { } line ? $" (line {line + 1}, byte {exception.BytePositionInLine + 1})." : "."),
            param);
    }

    private static bool IsIdentity(Microsoft.Extensions.Primitives.StringValues encoding) =>
        encoding.All(value => string.IsNullOrWhiteSpace(value) || value.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase));

    private static bool IsJsonContentType(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var parsed))
        {
            return false;
        }

        var mediaType = parsed.MediaType;
        if (parsed.Charset.HasValue && !parsed.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static ApiException TooLarge() => new(StatusCodes.Status413PayloadTooLarge, new ErrorBody(
        ErrorTypes.InvalidRequest, "request_too_large", $"Request bodies are limited to {MaxBytes} bytes."));
}
