using Payments.Api.Hosting;
using Payments.Api.Http;
using Payments.Api.Storage;

namespace Payments.Api.Merchants;

/// <summary>
/// <c>Payments.Api merchants create [--id acct_x]</c>: migrates the store, creates the merchant when
/// missing and prints a new secret key on stdout (only the key, so scripts can capture it).
/// </summary>
public sealed class AdminCommand
{
    public const string Usage = "usage: Payments.Api merchants create [--id <merchant id>]";

    private AdminCommand(string? merchantId) => MerchantId = merchantId;

    public string? MerchantId { get; }

    /// <summary>The admin command in <paramref name="args"/>, or null to run the service; the rest of the arguments go to the host.</summary>
    public static AdminCommand? TryParse(string[] args, out string[] hostArgs)
    {
        ArgumentNullException.ThrowIfNull(args);
        hostArgs = args;
        if (args.Length < 1 || args[0] != "merchants")
        {
            return null;
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
        return new AdminCommand(id);
    }

    public async Task<int> RunAsync(IServiceProvider services, TextWriter output, TextWriter diagnostics)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var migrations = services.GetRequiredService<MigrationRunner>();
        await StartupRetry.RunAtStartAsync(services, migrations.MigrateAsync, CancellationToken.None);
        var merchantId = MerchantId ?? Ids.New("acct_", 16);
        var key = await services.GetRequiredService<MerchantStore>().CreateKeyAsync(merchantId, CancellationToken.None);
        await diagnostics.WriteLineAsync($"merchant {merchantId}: new secret key (shown once, stored hashed):");
        await output.WriteLineAsync(key);
        return 0;
    }
}
