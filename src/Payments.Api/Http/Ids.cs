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

    /// <summary>An unguessable id that is not a secret (<c>auth_…</c>, <c>acct_…</c>); stored objects use <see cref="NewSortable"/>.</summary>
    public static string New(string prefix, int length = 24)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return string.Create(prefix.Length + length, prefix, static (chars, prefix) =>
        {
            prefix.CopyTo(chars);
            FillRandom(chars[prefix.Length..]);
        });
    }

    /// <summary>
    /// A stored object's id (<c>pay_…</c>, <c>re_…</c>, <c>evt_…</c>): the same shape as <see cref="New"/>, its first
    /// <see cref="TimeChars"/> characters the creation time in milliseconds (base62, so ids made later sort
    /// later), the rest random. Consecutive ids then land next to each other in every index keyed by them,
    /// so a batch of inserts touches a few index pages instead of one random page per row and index.
    /// </summary>
    public static string NewSortable(string prefix, long unixMilliseconds, int length = 24)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, TimeChars + 16);
        ArgumentOutOfRangeException.ThrowIfNegative(unixMilliseconds);
        return string.Create(prefix.Length + length, (prefix, unixMilliseconds), static (chars, state) =>
        {
            state.prefix.CopyTo(chars);
            var time = state.unixMilliseconds;
            for (var i = state.prefix.Length + TimeChars - 1; i >= state.prefix.Length; i--)
            {
                chars[i] = Base62[(int)(time % Base62.Length)];
                time /= Base62.Length;
            }

            FillRandom(chars[(state.prefix.Length + TimeChars)..]);
        });
    }

    /// <summary>Characters of a sortable id that hold its time: 62^8 ms is about 6,900 years.</summary>
    public const int TimeChars = 8;

    /// <summary>
    /// A secret (API keys, the fingerprint key): straight from the CSPRNG, so no unused random bytes
    /// that could reveal it are left in a buffer.
    /// </summary>
    public static string NewSecret(string prefix, int length) => prefix + RandomNumberGenerator.GetString(Base62, length);

    private static void FillRandom(Span<char> chars)
    {
        var random = block ??= new byte[512];
        for (var i = 0; i < chars.Length;)
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
    }
}
