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

    /// <summary>The raw body; hashed for idempotency so a replay must send the same bytes.</summary>
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
            throw ApiException.Invalid("parameter_invalid", DescribeJsonError(exception), PaymentsJson.PathToParam(exception.Path));
        }
        catch (InvalidOperationException exception)
        {
            // Thrown for some invalid-UTF-8 and transcoding failures.
            throw ApiException.Invalid("parameter_invalid", "The request body is not valid UTF-8 JSON: " + exception.Message);
        }

        return value ?? throw ApiException.Invalid("parameter_invalid", "The request body must be a JSON object.");
    }

    private static string DescribeJsonError(JsonException exception)
    {
        // The serializer's messages name .NET types; keep the useful part and say it in wire terms.
        var message = exception.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return $"Received unknown parameter: {PaymentsJson.PathToParam(exception.Path) ?? "(root)"}.";
        }

        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return "The request body contains a duplicate property" + (exception.Path is null ? "." : $" at {PaymentsJson.PathToParam(exception.Path)}.");
        }

        if (exception.InnerException is FormatException or InvalidOperationException || message.Contains("could not be converted", StringComparison.Ordinal))
        {
            var param = PaymentsJson.PathToParam(exception.Path);
            return param is null
                ? "The request body must be a JSON object."
                : $"Invalid value for {param}: wrong JSON type (amounts are integers in minor units, flags are booleans, text is a string).";
        }

        return "The request body is not valid JSON" + (exception.LineNumber is { } line ? $" (line {line + 1}, byte {exception.BytePositionInLine + 1})." : ".");
    }

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
