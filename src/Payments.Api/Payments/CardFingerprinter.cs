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
public sealed partial class CardFingerprinter(IConnectionFactory connections, IConfiguration configuration, ILogger<CardFingerprinter>? logger = null, IHostEnvironment? environment = null) : IDisposable
{
    // One keyed HMAC per thread, reset after each use: half the cost of HMACSHA256.HashData, which
    // sets up a new OpenSSL context and key schedule on every call.
    private ThreadLocal<IncrementalHash>? macs;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var configured = configuration["Payments:CardFingerprintKey"];
        if (!string.IsNullOrEmpty(configured))
        {
            SetKey(Encoding.UTF8.GetBytes(configured));
            return;
        }

        if (logger is not null && environment is not null && !environment.IsDevelopment())
        {
            LogKeyInDatabase(logger);
        }

        const string insert = "INSERT INTO settings (name, value) VALUES ('card_fingerprint_key', @value) ON CONFLICT (name) DO NOTHING";
        var value = await connections.WriteAsync(async (connection, transaction) =>
        {
            await using (var store = Db.Command(connection, transaction, insert, ("value", Ids.NewSecret(string.Empty, 43))))
            {
                await store.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var read = Db.Command(connection, transaction, "SELECT value FROM settings WHERE name = 'card_fingerprint_key'");
            return (string?)await read.ExecuteScalarAsync(cancellationToken)
                ?? throw new InvalidOperationException("card fingerprint key missing from settings");
        }, cancellationToken);
        SetKey(Encoding.UTF8.GetBytes(value));
    }

    // Outside a developer's machine the key belongs in a secret store: kept beside the fingerprints, one copy of the
    // database is enough to turn a fingerprint back into its card number by enumeration.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Payments:CardFingerprintKey is not set: the card fingerprint key is kept in the database itself, so a copy of the database suffices to reverse fingerprints to card numbers; configure the key from a secret store (on AWS the platform does)")]
    private static partial void LogKeyInDatabase(ILogger logger);

    private void SetKey(byte[] secret)
    {
        var previous = macs;
        macs = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret), trackAllValues: true);
        DisposeAll(previous);
    }

    public string Fingerprint(string cardNumber)
    {
        ArgumentNullException.ThrowIfNull(cardNumber);
        var hmac = (macs ?? throw new InvalidOperationException("CardFingerprinter.InitializeAsync has not run")).Value!;
        // Card numbers are validated digits (at most 19): one ASCII byte each, on the stack.
        Span<byte> number = cardNumber.Length <= 32 ? stackalloc byte[32] : new byte[cardNumber.Length];
        hmac.AppendData(number[..Encoding.ASCII.GetBytes(cardNumber, number)]);
        Span<byte> mac = stackalloc byte[32];
        hmac.GetHashAndReset(mac);
        return Convert.ToHexStringLower(mac[..16]);
    }

    public void Dispose() => DisposeAll(macs);

    private static void DisposeAll(ThreadLocal<IncrementalHash>? perThread)
    {
        if (perThread is null)
        {
            return;
        }

        foreach (var hmac in perThread.Values)
        {
            hmac.Dispose();
        }

        perThread.Dispose();
    }
}
