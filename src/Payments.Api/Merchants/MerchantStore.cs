using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Payments.Api.Http;
using Payments.Api.Storage;

namespace Payments.Api.Merchants;

/// <summary>
/// Merchants and their secret keys. Keys are high-entropy random strings, so a single SHA-256 is the
/// right hash (no salt or stretching needed, unlike passwords); only the hash is stored.
/// </summary>
public sealed class MerchantStore(IConnectionFactory connections, ReadQueries reads, TimeProvider time)
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(60);
    private const int MaxCachedKeys = 10_000;

    private readonly ConcurrentDictionary<string, (string MerchantId, DateTimeOffset Expires)> cache = new(StringComparer.Ordinal);

    public static string NewSecretKey() => Ids.NewSecret("sk_", 40);

    public static string HashKey(string secretKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secretKey)));

    /// <summary>
    /// The merchant owning <paramref name="secretKey"/> while it is not revoked, or null. Positive answers are cached
    /// for a minute, so another process may accept a key for up to that long after its revocation.
    /// </summary>
    public async ValueTask<string?> AuthenticateAsync(string secretKey, CancellationToken cancellationToken)
    {
        var hash = HashKey(secretKey);
        var now = time.GetUtcNow();
        if (cache.TryGetValue(hash, out var cached) && cached.Expires > now)
        {
            return cached.MerchantId;
        }

        var rows = await reads.QueryAsync(new Statement("SELECT merchant_id FROM api_keys WHERE key_hash = @key_hash AND revoked_at IS NULL", true).Add("key_hash", hash), cancellationToken);
        if (rows.Count == 0)
        {
            cache.TryRemove(hash, out _);
            return null;
        }

        var merchantId = (string)rows[0][0]!;
        if (cache.Count >= MaxCachedKeys)
        {
            cache.Clear();
        }

        cache[hash] = (merchantId, now + CacheLifetime);
        return merchantId;
    }

    /// <summary>Creates the merchant when missing and adds <paramref name="secretKey"/> to it (no-op if already there).</summary>
    public async Task EnsureMerchantWithKeyAsync(string merchantId, string secretKey, CancellationToken cancellationToken)
    {
        // ON CONFLICT … DO NOTHING is the same in both dialects (SQLite ≥ 3.24).
        const string insertMerchant = "INSERT INTO merchants (id) VALUES (@id) ON CONFLICT (id) DO NOTHING";
        const string insertKey = "INSERT INTO api_keys (key_hash, merchant_id, key_prefix) VALUES (@key_hash, @merchant_id, @key_prefix) ON CONFLICT (key_hash) DO NOTHING";
        var keyHash = HashKey(secretKey);
        await connections.WriteAsync(async (connection, transaction) =>
        {
            await using (var merchant = Db.Command(connection, transaction, insertMerchant, ("id", merchantId)))
            {
                await merchant.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var owner = Db.Command(connection, transaction, "SELECT merchant_id FROM api_keys WHERE key_hash = @key_hash", ("key_hash", keyHash)))
            {
                if (await owner.ExecuteScalarAsync(cancellationToken) is string other && other != merchantId)
                {
                    throw new InvalidOperationException($"the configured key of merchant {merchantId} already belongs to merchant {other}");
                }
            }

            await using (var key = Db.Command(connection, transaction, insertKey,
                ("key_hash", keyHash), ("merchant_id", merchantId), ("key_prefix", secretKey[..Math.Min(7, secretKey.Length)])))
            {
                await key.ExecuteNonQueryAsync(cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Revokes <paramref name="secretKey"/>: from now on it authenticates nothing (in other processes once their minute
    /// of cache is over), and the dashboard sessions signed in with it end. Null for a key no merchant has; a key
    /// revoked before stays revoked (<c>AlreadyRevoked</c>).
    /// </summary>
    public Task<(string MerchantId, string KeyPrefix, bool AlreadyRevoked)?> RevokeAsync(string secretKey, CancellationToken cancellationToken) =>
        RevokeHashAsync(HashKey(secretKey), cancellationToken);

    /// <summary><see cref="RevokeAsync"/> by the key's SHA-256 (lower-case hex), for where the key itself cannot be typed in.</summary>
    public async Task<(string MerchantId, string KeyPrefix, bool AlreadyRevoked)?> RevokeHashAsync(string hash, CancellationToken cancellationToken)
    {
        var result = await connections.WriteAsync<(string, string, bool)?>(async (connection, transaction) =>
        {
            string merchantId, prefix;
            await using (var read = Db.Command(connection, transaction,
                "SELECT merchant_id, key_prefix, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END FROM api_keys WHERE key_hash = @key_hash", ("key_hash", hash)))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return null;
                }

                (merchantId, prefix) = (reader.GetString(0), reader.GetString(1));
                if (Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture) == 1)
                {
                    return (merchantId, prefix, true);
                }
            }

            await using (var revoke = Db.Command(connection, transaction, "UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE key_hash = @key_hash", ("key_hash", hash)))
            {
                await revoke.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var sessions = Db.Command(connection, transaction, "DELETE FROM dashboard_sessions WHERE key_hash = @key_hash", ("key_hash", hash)))
            {
                await sessions.ExecuteNonQueryAsync(cancellationToken);
            }

            return (merchantId, prefix, false);
        }, cancellationToken);
        cache.TryRemove(hash, out _);
        return result;
    }

    /// <summary>Creates the merchant when missing and returns a new secret key for it.</summary>
    public async Task<string> CreateKeyAsync(string merchantId, CancellationToken cancellationToken)
    {
        var key = NewSecretKey();
        await EnsureMerchantWithKeyAsync(merchantId, key, cancellationToken);
        return key;
    }

    /// <summary>Whether <paramref name="key"/> can be an API key: visible ASCII only (RFC 6750's token is narrower still).</summary>
    public static bool IsKeyText(ReadOnlySpan<char> key) => !key.IsEmpty && key.IndexOfAnyExceptInRange('!', '~') < 0;

    public static bool IsValidMerchantId(string id) =>
        id.Length is >= 3 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
