using System.Security.Cryptography;

namespace Payments.Api.Http;

/// <summary>Random, unguessable identifiers and secrets: a prefix plus base62 characters.</summary>
public static class Ids
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // Bytes at or above 4 × 62 are skipped, so every character is equally likely.
    private const int Unbiased = 248;

    // Object ids draw on a per-thread block of CSPRNG output: one RandomNumberGenerator call serves
    // many ids, because each call through OpenSSL costs more than an id (docs/api.md).
    [ThreadStatic]
    private static byte[]? block;

    [ThreadStatic]
    private static int unread; // bytes of the block not yet used; 0 on a new thread, so the first id fills it

    /// <summary>An object id (<c>pay_…</c>, <c>re_…</c>, <c>evt_…</c>): unguessable, not a secret.</summary>
    public static string New(string prefix, int length = 24)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return string.Create(prefix.Length + length, prefix, static (chars, prefix) =>
        {
            prefix.CopyTo(chars);
            var random = block ??= new byte[512];
            for (var i = prefix.Length; i < chars.Length;)
            {
                if (unread == 0)
                {
                    RandomNumberGenerator.Fill(random);
                    unread = random.Length;
                }

                var value = random[random.Length - unread--];
                if (value < Unbiased)
                {
                    chars[i++] = Base62[value % Base62.Length];
                }
            }
        });
    }

    /// <summary>
    /// A secret (API keys, the fingerprint key): straight from the CSPRNG, so no unused random bytes
    /// that could reveal it are left in a buffer.
    /// </summary>
    public static string NewSecret(string prefix, int length) => prefix + RandomNumberGenerator.GetString(Base62, length);
}
