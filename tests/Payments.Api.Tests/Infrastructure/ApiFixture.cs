using Payments.Api.Storage;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>
/// One service over one fresh database per test class, with two merchants (A and B) configured the
/// way production configures them (Payments:Merchants:N:*). Rate limiting is off unless a subclass
/// asks for it.
/// </summary>
public abstract class ApiFixture(StoreKind store) : IAsyncLifetime
{
    public const string MerchantAId = "acct_test_a";
    public const string MerchantAKey = "sk_test_merchant_a_0123456789";
    public const string MerchantBId = "acct_test_b";
    public const string MerchantBKey = "sk_test_merchant_b_0123456789";

    private PaymentsApiFactory? factory;

    public StoreKind Store { get; } = store;

    public PaymentsApiFactory Factory => factory ?? throw new InvalidOperationException("fixture not initialised");

    public HttpClient MerchantA { get; private set; } = null!;

    public HttpClient MerchantB { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>Settings for a service of its own with merchant A only, no rate limit, no relay and no webhook delivery (a new copy each call).</summary>
    public static Dictionary<string, string?> MerchantAOnly() => new()
    {
        ["Payments:Merchants:0:Id"] = MerchantAId,
        ["Payments:Merchants:0:ApiKey"] = MerchantAKey,
        ["Payments:RateLimit:PermitsPerSecond"] = "0",
        ["Payments:TransactionLog:RelayEnabled"] = "false",
        ["Payments:Webhooks:DeliveryEnabled"] = "false",
    };

    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    /// <summary>The service's clock; null for the system clock.</summary>
    protected virtual TimeProvider? Time => null;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Payments:Merchants:0:Id"] = MerchantAId,
            ["Payments:Merchants:0:ApiKey"] = MerchantAKey,
            ["Payments:Merchants:1:Id"] = MerchantBId,
            ["Payments:Merchants:1:ApiKey"] = MerchantBKey,
            ["Payments:RateLimit:PermitsPerSecond"] = "0",
            ["Payments:TransactionLog:RelayEnabled"] = "false",
            ["Payments:Webhooks:DeliveryEnabled"] = "false",
        };
        Configure(settings);
        factory = await PaymentsApiFactory.CreateAsync(Store, settings);
        factory.Time = Time;
        MerchantA = ClientWithKey(MerchantAKey);
        MerchantB = ClientWithKey(MerchantBKey);
        Anonymous = factory.CreateClient();
    }

    public HttpClient ClientWithKey(string key) => Factory.CreateClient(key);

    public async Task DisposeAsync()
    {
        MerchantA?.Dispose();
        MerchantB?.Dispose();
        Anonymous?.Dispose();
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
    }
}

public sealed class SqliteApiFixture() : ApiFixture(StoreKind.Sqlite);

public sealed class PostgresApiFixture() : ApiFixture(StoreKind.Postgres);
