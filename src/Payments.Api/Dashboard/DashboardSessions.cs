using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Payments.Api.Http;
using Payments.Api.Storage;

namespace Payments.Api.Dashboard;

/// <summary>A signed-in dashboard session: whose it is, and the token its forms must carry (CSRF).</summary>
public sealed record DashboardSession(string MerchantId, string CsrfToken);

/// <summary>
/// Server-side dashboard sessions in the database (table <c>dashboard_sessions</c>), so every task
/// reads the same ones. The browser's cookie holds a random token; only its SHA-256 is stored.
/// </summary>
public sealed class DashboardSessions(IConnectionFactory connections, ReadQueries reads, TimeProvider time)
{
    /// <summary>
    /// Starts a session for <paramref name="merchantId"/>, signed in with the key whose hash is <paramref name="keyHash"/>
    /// (revoking that key ends the session); returns the cookie's token.
    /// </summary>
    public async Task<string> StartAsync(string merchantId, string keyHash, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var token = Ids.NewSecret("ds_", 43);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        await connections.WriteAsync(async (connection, transaction) =>
        {
            // Expired sessions go when a new one starts: sign-ins are rare, so this keeps the table small without a sweeper.
            await ExecuteAsync(connection, transaction, "DELETE FROM dashboard_sessions WHERE expires_at <= @now", cancellationToken, ("now", now));
            await ExecuteAsync(
                connection, transaction,
                "INSERT INTO dashboard_sessions (token_hash, merchant_id, csrf_token, created_at, expires_at, key_hash) VALUES (@token_hash, @merchant_id, @csrf_token, @now, @expires_at, @key_hash)",
                cancellationToken,
                ("token_hash", Hash(token)), ("merchant_id", merchantId), ("csrf_token", Ids.NewSecret("csrf_", 32)), ("now", now), ("key_hash", keyHash),
                ("expires_at", now + (long)lifetime.TotalSeconds));
            return true;
        }, cancellationToken);
        return token;
    }

    /// <summary>
    /// The live session of <paramref name="token"/>, or null (unknown, ended, expired, or its key revoked; a session
    /// from before migration 0009 names no key and is not live either).
    /// </summary>
    public async Task<DashboardSession?> FindAsync(string token, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(
            new Statement(
                "SELECT s.merchant_id, s.csrf_token FROM dashboard_sessions s JOIN api_keys k ON k.key_hash = s.key_hash " +
                "WHERE s.token_hash = @token_hash AND s.expires_at > @now AND k.revoked_at IS NULL AND k.merchant_id = s.merchant_id", true)
                .Add("token_hash", Hash(token)).Add("now", time.GetUtcNow().ToUnixTimeSeconds()),
            cancellationToken);
        return rows.Count == 0 ? null : new DashboardSession((string)rows[0][0]!, (string)rows[0][1]!);
    }

    public async Task EndAsync(string token, CancellationToken cancellationToken)
    {
        await connections.WriteAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM dashboard_sessions WHERE token_hash = @token_hash", cancellationToken, ("token_hash", Hash(token)));
            return true;
        }, cancellationToken);
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static async Task ExecuteAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Db.Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
