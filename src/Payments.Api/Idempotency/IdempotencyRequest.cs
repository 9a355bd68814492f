using System.Collections.Concurrent;
using System.Security.Cryptography;
using Payments.Api.Http;

namespace Payments.Api.Idempotency;

/// <summary>The idempotency facts of one POST: key, what was asked (method, path, body hash).</summary>
public sealed record IdempotencyRequest(string Key, string Method, string Path, string RequestHash)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    /// <summary>Null when the request carries no key; a 400 when the key is malformed.</summary>
    public static IdempotencyRequest? From(HttpRequest request, JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        if (!request.Headers.TryGetValue(HeaderName, out var values))
        {
            return null;
        }

        if (values.Count != 1 || string.IsNullOrEmpty(values[0]) || values[0]!.Length > MaxKeyLength
            || HasControlCharacter(values[0]!))
        {
            throw ApiException.Invalid("idempotency_key_invalid", $"The {HeaderName} header must be one value of 1 to {MaxKeyLength} printable characters.", HeaderName);
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(body.Bytes.Span));
        return new IdempotencyRequest(values[0]!, request.Method, request.Path.Value ?? string.Empty, hash);
    }

    // The two ranges char.IsControl covers (C0 and DEL plus C1), searched vectorised.
    private static bool HasControlCharacter(string value) =>
        value.AsSpan().IndexOfAnyInRange('\u0000', '\u001F') >= 0 || value.AsSpan().IndexOfAnyInRange('\u007F', '\u009F') >= 0;
}

/// <summary>
/// Keys in flight in this process. The database decides across processes (the primary key of
/// idempotency_keys; for changes also PostgreSQL's advisory lock); this guard answers a concurrent
/// duplicate at once with 409 instead of letting it authorize and queue, and is what makes "in
/// flight" visible on SQLite, whose writers are serialised.
/// </summary>
public sealed class InFlightKeys
{
    private readonly ConcurrentDictionary<string, byte> keys = new(StringComparer.Ordinal);

    public bool TryEnter(string merchantId, string key) => keys.TryAdd(Compose(merchantId, key), 0);

    public void Exit(string merchantId, string key) => keys.TryRemove(Compose(merchantId, key), out _);

    private static string Compose(string merchantId, string key) => merchantId + "\n" + key;
}
