using Payments.Api.Hosting;
using Payments.Api.Http;
using Payments.Api.Storage;

namespace Payments.Api.Merchants;

/// <summary>
/// <c>Payments.Api merchants create [--id acct_x]</c>: migrates the store, creates the merchant when
/// missing and prints a new secret key on stdout (only the key, so scripts can capture it).
/// <c>Payments.Api merchants revoke-key [--key-hash &lt;sha256&gt;]</c>: revokes the secret key read from stdin (not an
/// argument, so it stays out of shell history and process listings), or the key with that SHA-256 (for a task started
/// with a command and no stdin, such as an ECS task); the key then authenticates nothing and its dashboard sessions end.
/// </summary>
public sealed class AdminCommand
{
    // sysexits EX_DATAERR: the input was read but names nothing to act on.
    public const int DataErrorExitCode = 65;

    public const string Usage = "usage: Payments.Api merchants create [--id <merchant id>] | Payments.Api merchants revoke-key [--key-hash <sha256 hex>] < key-file";

    private AdminCommand(bool revoke, string? merchantId, string? keyHash = null) => (Revoke, MerchantId, KeyHash) = (revoke, merchantId, keyHash);

    /// <summary>revoke-key's <c>--key-hash</c>: the SHA-256 of the key to revoke; null to read the key from stdin.</summary>
    public string? KeyHash { get; }

    public string? MerchantId { get; }

    /// <summary>revoke-key rather than create.</summary>
    public bool Revoke { get; }

    /// <summary>The admin command in <paramref name="args"/>, or null to run the service; the rest of the arguments go to the host.</summary>
    public static AdminCommand? TryParse(string[] args, out string[] hostArgs)
    {
        ArgumentNullException.ThrowIfNull(args);
        hostArgs = args;
        if (args.Length < 1 || args[0] != "merchants")
        {
            return null;
        }

        if (args.Length >= 2 && args[1] == "revoke-key")
        {
            if (args.Length >= 3 && args[2] == "--key-hash")
            {
                var hash = args.Length >= 4 ? args[3] : throw new UsageException($"--key-hash needs the key's SHA-256; {Usage}");
                if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
                {
                    throw new UsageException($"--key-hash must be 64 lower-case hex digits (printf %s \"$KEY\" | sha256sum), got '{hash}'");
                }

                hostArgs = args[4..];
                return new AdminCommand(revoke: true, merchantId: null, hash);
            }

            hostArgs = args[2..];
            return new AdminCommand(revoke: true, merchantId: null);
        }

        if (args.Length < 2 || args[1] != "create")
        {
            throw new UsageException(Usage);
        }

        string? id = null;
        var rest = new List<string>();
        for (var i = 2; i < args.Length; i++)
        {
            if (args[i] == "--id")
            {
                id = i + 1 < args.Length ? args[++i] : throw new UsageException($"--id needs a merchant id; {Usage}");
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        if (id is not null && !MerchantStore.IsValidMerchantId(id))
        {
            throw new UsageException($"merchant id must be 3-64 letters, digits, '_' or '-' (got '{id}')");
        }

        hostArgs = [.. rest];
        return new AdminCommand(revoke: false, id);
    }

    public async Task<int> RunAsync(IServiceProvider services, TextReader input, TextWriter output, TextWriter diagnostics)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var migrations = services.GetRequiredService<MigrationRunner>();
        await StartupRetry.RunAtStartAsync(services, migrations.MigrateAsync, CancellationToken.None);
        if (Revoke)
        {
            return await RevokeAsync(services.GetRequiredService<MerchantStore>(), input, diagnostics);
        }

        var merchantId = MerchantId ?? Ids.New("acct_", 16);
        var key = await services.GetRequiredService<MerchantStore>().CreateKeyAsync(merchantId, CancellationToken.None);
        await diagnostics.WriteLineAsync($"merchant {merchantId}: new secret key (shown once, stored hashed):");
        await output.WriteLineAsync(key);
        return 0;
    }

    private async Task<int> RevokeAsync(MerchantStore merchants, TextReader input, TextWriter diagnostics)
    {
        string hash, shown;
        if (KeyHash is not null)
        {
            (hash, shown) = (KeyHash, $"with SHA-256 {KeyHash}");
        }
        else
        {
            var key = (await input.ReadLineAsync())?.Trim();
            if (string.IsNullOrEmpty(key) || !MerchantStore.IsKeyText(key))
            {
                await diagnostics.WriteLineAsync("merchants revoke-key: give the secret key on standard input, one line (or --key-hash)");
                return StartupFailure.UsageExitCode;
            }

            (hash, shown) = (MerchantStore.HashKey(key), key[..Math.Min(7, key.Length)] + "…");
        }

        switch (await merchants.RevokeHashAsync(hash, CancellationToken.None))
        {
            case null:
                await diagnostics.WriteLineAsync($"no merchant has the key {shown}; nothing revoked");
                return DataErrorExitCode;
            case { AlreadyRevoked: true } done:
                await diagnostics.WriteLineAsync($"merchant {done.MerchantId}: key {done.KeyPrefix}… was already revoked");
                return 0;
            case var (merchantId, prefix, _):
                await diagnostics.WriteLineAsync($"merchant {merchantId}: key {prefix}… revoked; its dashboard sessions ended (other tasks stop accepting it within 60 s)");
                return 0;
        }
    }
}
