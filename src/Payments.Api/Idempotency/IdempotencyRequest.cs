using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Payments.Api.Http;
using Payments.Api.Payments;

namespace Payments.Api.Idempotency;

/// <summary>The idempotency facts of one POST: key, what was asked (method, path, body hash).</summary>
public sealed record IdempotencyRequest(string Key, string Method, string Path, string RequestHash)
{
    // The body as sent, for one comparison only (AsksTheSameAs): never stored.
    private ReadOnlyMemory<byte> sentBody;

    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    /// <summary>
    /// Null when the request carries no key; a 400 when the key is malformed. With <paramref name="cards"/> the body
    /// is a new payment's, and its card secrets are taken out before hashing (<see cref="HashWithoutCardSecrets"/>).
    /// </summary>
    public static IdempotencyRequest? From(HttpRequest request, JsonBody body, CardFingerprinter? cards = null)
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

        var hash = cards is null ? Convert.ToHexStringLower(SHA256.HashData(body.Bytes.Span)) : HashWithoutCardSecrets(body.Bytes.Span, cards);
        return new IdempotencyRequest(values[0]!, request.Method, request.Path.Value ?? string.Empty, hash) { sentBody = body.Bytes };
    }

    /// <summary>Whether a finished request recorded under this key asked what this one asks.</summary>
    public bool AsksTheSameAs(string method, string path, string requestHash) =>
        method == Method && path == Path
        && (requestHash == RequestHash
            // Recorded by an earlier build, which hashed a new payment's raw body, card secrets included. Such
            // records are swept with their keys after Payments:Idempotency:RetentionHours.
            || requestHash == Convert.ToHexStringLower(SHA256.HashData(sentBody.Span)));

    /// <summary>
    /// SHA-256 of a new payment's body as sent, except that the value of <c>payment_method.card.number</c> is
    /// replaced by the card's keyed fingerprint and <c>payment_method.card.cvc</c> (name and value) is left out.
    /// The hash is kept as long as the key; a plain hash of the number and CVC could be reversed by enumeration
    /// from what the payment's row shows (brand, last4, expiry), so neither secret may go into it. A retry that
    /// differs only in the CVC therefore counts as the same request. The body has passed the strict deserializer,
    /// so it is one JSON object with each name at most once.
    /// </summary>
    public static string HashWithoutCardSecrets(ReadOnlySpan<byte> body, CardFingerprinter cards)
    {
        ArgumentNullException.ThrowIfNull(cards);
        (long Start, long End, string? Replacement) number = (-1, -1, null), cvc = (-1, -1, null);
        var reader = new Utf8JsonReader(body);
        bool inPaymentMethod = false, inCard = false;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            switch (reader.CurrentDepth)
            {
                case 1:
                    inPaymentMethod = reader.ValueTextEquals("payment_method"u8);
                    break;
                case 2:
                    inCard = inPaymentMethod && reader.ValueTextEquals("card"u8);
                    break;
                case 3 when inPaymentMethod && inCard:
                    if (reader.ValueTextEquals("cvc"u8))
                    {
                        var start = reader.TokenStartIndex;
                        reader.Read();
                        cvc = (start, reader.BytesConsumed, null);
                    }
                    else if (reader.ValueTextEquals("number"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            number = (reader.TokenStartIndex, reader.BytesConsumed, cards.Fingerprint(reader.GetString()!));
                        }
                    }

                    break;
            }
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var at = 0L;
        var cuts = number.Start < cvc.Start ? new[] { number, cvc } : [cvc, number];
        foreach (var (start, end, replacement) in cuts)
        {
            if (start < 0)
            {
                continue;
            }

            sha.AppendData(body[(int)at..(int)start]);
            if (replacement is not null)
            {
                sha.AppendData(Encoding.ASCII.GetBytes(replacement));
            }

            at = end;
        }

        sha.AppendData(body[(int)at..]);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
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
