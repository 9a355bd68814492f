using Payments.Api.Hosting;

namespace Payments.Api.Merchants;

/// <summary>A merchant from configuration: <c>Payments:Merchants:N:Id</c> and <c>Payments:Merchants:N:ApiKey</c>.</summary>
public sealed class ConfiguredMerchant
{
    public string? Id { get; set; }

    public string? ApiKey { get; set; }
}

/// <summary>
/// Start-up: the merchants configured in <c>Payments:Merchants</c> are created (their keys stored
/// hashed). With none configured, Development mode creates <c>acct_dev</c> and prints a new test key.
/// </summary>
public static partial class MerchantBootstrap
{
    public const string DevelopmentMerchantId = "acct_dev";
    // Configured keys are the ones a person may have typed; generated ones are far longer (NewSecretKey).
    public const int MinimumKeyLength = 24;

    public static IReadOnlyList<ConfiguredMerchant> Read(IConfiguration configuration)
    {
        var merchants = configuration.GetSection("Payments:Merchants").Get<List<ConfiguredMerchant>>() ?? [];
        for (var i = 0; i < merchants.Count; i++)
        {
            var merchant = merchants[i];
            if (merchant.Id is null || !MerchantStore.IsValidMerchantId(merchant.Id))
            {
                throw new InvalidSettingException($"Payments:Merchants:{i}:Id must be 3-64 letters, digits, '_' or '-' (got '{merchant.Id}')");
            }

            if (merchant.ApiKey is null || merchant.ApiKey.Length < MinimumKeyLength || !MerchantStore.IsKeyText(merchant.ApiKey))
            {
                throw new InvalidSettingException($"Payments:Merchants:{i}:ApiKey must be at least {MinimumKeyLength} visible ASCII characters, without spaces");
            }
        }

        return merchants;
    }

    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var store = services.GetRequiredService<MerchantStore>();
        var merchants = Read(configuration);
        foreach (var merchant in merchants)
        {
            await store.EnsureMerchantWithKeyAsync(merchant.Id!, merchant.ApiKey!, cancellationToken);
        }

        if (merchants.Count == 0 && services.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            var key = await store.CreateKeyAsync(DevelopmentMerchantId, cancellationToken);
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Payments.Api.Merchants");
            LogDevelopmentKey(logger, DevelopmentMerchantId, key);
        }
    }

    // Development only: the printed key is a local test credential, which is the point of this log line.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Development merchant {MerchantId}: use 'Authorization: Bearer {ApiKey}'")]
    private static partial void LogDevelopmentKey(ILogger logger, string merchantId, string apiKey);
}
