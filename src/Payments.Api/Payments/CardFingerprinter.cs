using System.Security.Cryptography;
using System.Text;
using Payments.Api.Http;
using Payments.Api.Storage;

namespace Payments.Api.Payments;

/// <summary>
/// A keyed fingerprint of the card number (HMAC-SHA256), so the same card can be recognised without
/// storing the number. Card numbers have little entropy, so an unkeyed hash could be reversed by
/// enumeration; the key is <c>Payments:CardFingerprintKey</c> or, when unset, a random secret
/// generated once per database and kept in <c>settings</c>.
/// </summary>
public sealed class CardFingerprinter(IConnectionFactory connections, IConfiguration configuration)
{
    private byte[]? key;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var configured = configuration["Payments:CardFingerprintKey"];
        if (!string.IsNullOrEmpty(configured))
        {
            key = Encoding.UTF8.GetBytes(configured);
            return;
        }

        var insert = connections.Kind == StoreKind.Postgres
            ? "INSERT INTO settings (name, value) VALUES ('card_fingerprint_key', @value) ON CONFLICT (name) DO NOTHING"
            : "INSERT OR IGNORE INTO settings (name, value) VALUES ('card_fingerprint_key', @value)";
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = insert;
            Db.AddParameter(command, "value", Ids.New(string.Empty, 43));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT value FROM settings WHERE name = 'card_fingerprint_key'";
            var value = (string?)await command.ExecuteScalarAsync(cancellationToken)
                ?? throw new InvalidOperationException("card fingerprint key missing from settings");
            key = Encoding.UTF8.GetBytes(value);
        }
    }

    public string Fingerprint(string cardNumber)
    {
        var secret = key ?? throw new InvalidOperationException("CardFingerprinter.InitializeAsync has not run");
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(cardNumber), mac);
        return Convert.ToHexStringLower(mac[..16]);
    }
}
