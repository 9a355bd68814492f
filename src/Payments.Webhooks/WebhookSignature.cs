using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Payments.Webhooks;

/// <summary>The outcome of <see cref="WebhookSignature.Verify(string, string?, string, TimeSpan, DateTimeOffset)"/>.</summary>
public enum WebhookVerification
{
    /// <summary>A <c>v1</c> signature matches the body and the timestamp is within the tolerance.</summary>
    Valid,

    /// <summary>No header, or not <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=…]</c>.</summary>
    MalformedHeader,

    /// <summary>The timestamp is further from now than the tolerance: a replay of an old delivery (or a badly wrong clock).</summary>
    TimestampOutsideTolerance,

    /// <summary>No <c>v1</c> value is the HMAC of this body with this secret: tampered, or another secret.</summary>
    SignatureMismatch,
}

/// <summary>
/// The <c>Payments-Signature</c> header of a webhook delivery:
/// <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;raw body&gt;")&gt;</c>. The key is the
/// endpoint's whole secret (<c>whsec_…</c>) as UTF-8. Several <c>v1</c> values may be present (while a
/// secret is rolled); one match is enough. docs/webhooks.md shows the check step by step.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "Payments-Signature";

    /// <summary>The event's id, the same on every retry of the same event: receivers de-duplicate on it.</summary>
    public const string EventIdHeaderName = "Payments-Event-Id";

    public const string SchemeV1 = "v1";

    /// <summary>A tolerance receivers can use: deliveries are signed when sent, so a fresh one is seconds old.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header value for <paramref name="payload"/> (the exact bytes sent) signed at <paramref name="timestamp"/>.</summary>
    public static string CreateHeader(ReadOnlySpan<byte> payload, string secret, DateTimeOffset timestamp)
    {
        var seconds = timestamp.ToUnixTimeSeconds();
        return string.Create(CultureInfo.InvariantCulture, $"t={seconds},{SchemeV1}={ComputeV1(payload, secret, seconds)}");
    }

    /// <summary>Lowercase hex HMAC-SHA256 over <c>"&lt;t&gt;.&lt;payload&gt;"</c> with the UTF-8 bytes of <paramref name="secret"/>.</summary>
    public static string ComputeV1(ReadOnlySpan<byte> payload, string secret, long unixSeconds)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(prefix);
        hmac.AppendData(payload);
        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    /// <summary>Checks a delivery whose raw body was read as text (UTF-8, unchanged: no re-serialised JSON).</summary>
    public static WebhookVerification Verify(string payload, string? header, string secret, TimeSpan tolerance, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return Verify(Encoding.UTF8.GetBytes(payload), header, secret, tolerance, now);
    }

    /// <summary>
    /// Checks a delivery: the header is well formed, its timestamp is within <paramref name="tolerance"/>
    /// of <paramref name="now"/> (older deliveries are replays), and one <c>v1</c> value is the HMAC of
    /// the raw body. Compares in constant time.
    /// </summary>
    public static WebhookVerification Verify(ReadOnlySpan<byte> payload, string? header, string secret, TimeSpan tolerance, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentOutOfRangeException.ThrowIfLessThan(tolerance, TimeSpan.Zero);
        if (!TryParse(header, out var timestamp, out var signatures))
        {
            return WebhookVerification.MalformedHeader;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > (long)tolerance.TotalSeconds)
        {
            return WebhookVerification.TimestampOutsideTolerance;
        }

        var expected = Convert.FromHexString(ComputeV1(payload, secret, timestamp));
        var matched = false;
        foreach (var signature in signatures)
        {
            // Every value is compared (no early exit), each in constant time.
            matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }

        return matched ? WebhookVerification.Valid : WebhookVerification.SignatureMismatch;
    }

    /// <summary>
    /// Parses <c>t=…,v1=…[,v1=…]</c>: exactly one <c>t</c> (digits), at least one <c>v1</c> of 64 hex
    /// digits; elements of other schemes are ignored, so a future scheme can be added beside v1.
    /// </summary>
    public static bool TryParse(string? header, out long timestamp, out IReadOnlyList<byte[]> signatures)
    {
        timestamp = 0;
        signatures = [];
        if (string.IsNullOrWhiteSpace(header) || header.Length > 4096)
        {
            return false;
        }

        long? seen = null;
        var found = new List<byte[]>();
        foreach (var element in header.Split(','))
        {
            var equals = element.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return false;
            }

            var key = element[..equals].Trim();
            var value = element[(equals + 1)..].Trim();
            if (key == "t")
            {
                if (seen is not null || value.Length is 0 or > 18
                    || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return false;
                }

                seen = seconds;
            }
            else if (key == SchemeV1)
            {
                if (value.Length != 64 || !value.All(char.IsAsciiHexDigit))
                {
                    return false;
                }

                found.Add(Convert.FromHexString(value));
            }
        }

        if (seen is null || found.Count == 0)
        {
            return false;
        }

        timestamp = seen.Value;
        signatures = found;
        return true;
    }
}
