using Payments.Api.Acquiring;
using Payments.Api.Http;
using Payments.Api.Idempotency;
using Payments.Api.Merchants;
using Payments.Api.Payments;
using Payments.Api.Observability;
using Payments.Api.Storage;
using Payments.Api.Storage.Batching;

namespace Payments.Api;

public static class PaymentsServiceCollectionExtensions
{
    /// <summary>The payments API's own services (storage, merchants, payments, idempotency).</summary>
    public static IHostApplicationBuilder AddPaymentsApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddPaymentsStorage(builder.Configuration);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ReadQueries>();
        services.AddSingleton<IPaymentStore>(sp => sp.GetRequiredService<IConnectionFactory>() switch
        {
            PostgresConnectionFactory postgres => new PostgresPaymentStore(postgres, sp.GetRequiredService<ReadQueries>(),
                BatchingOptions.Configured(BatchingOptions.ForPostgres(), builder.Configuration), sp.GetRequiredService<PaymentsMetrics>(),
                sp.GetRequiredService<ILogger<PostgresPaymentStore>>(), sp.GetRequiredService<TimeProvider>()),
            SqliteConnectionFactory sqlite => new SqlitePaymentStore(sqlite, sp.GetRequiredService<ReadQueries>(),
                BatchingOptions.Configured(BatchingOptions.ForSqlite(), builder.Configuration), sp.GetRequiredService<PaymentsMetrics>(),
                sp.GetRequiredService<ILogger<SqlitePaymentStore>>(), sp.GetRequiredService<TimeProvider>()),
            var other => throw new InvalidOperationException($"no payment store for {other.GetType().Name}"),
        });
        // Bounds are checked at start-up, before the store is first used.
        BatchingOptions.Configured(BatchingOptions.ForSqlite(), builder.Configuration).ValidateSettings();
        services.AddSingleton<MerchantStore>();
        services.AddSingleton<CardFingerprinter>();
        services.AddSingleton<InFlightKeys>();
        services.AddSingleton<IAcquirer, SimulatedAcquirer>();
        services.AddSingleton<PaymentService>();
        builder.AddPendingVoids();
        services.AddSingleton<MerchantAuthenticationFilter>();
        services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection("Payments:RateLimit"))
            .Validate(o => o.PermitsPerSecond >= 0 && o.Burst >= 0, "Payments:RateLimit values must not be negative").ValidateOnStart();
        services.AddOptions<IdempotencyOptions>().Bind(builder.Configuration.GetSection("Payments:Idempotency"))
            .Validate(o => o.RetentionHours >= 24, "Payments:Idempotency:RetentionHours must be at least 24").ValidateOnStart();
        services.AddHostedService<IdempotencyKeySweeper>();
        services.AddPaymentsOpenApi();

        // Merchants in configuration are validated before anything starts.
        MerchantBootstrap.Read(builder.Configuration);
        return builder;
    }

    /// <summary>
    /// Start-up work before the host serves: migrations (unless <c>Payments:Database:MigrateOnStart</c>
    /// is false: on AWS the app's login may not run DDL and the <c>migrate</c> command runs them as the
    /// owner first), secrets, configured merchants. Retried while the database is unreachable for up to
    /// <c>Payments:Database:StartupRetryFor</c> (default 60 s); each step is idempotent.
    /// </summary>
    public static async Task InitializePaymentsAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        await StartupRetry.RunAtStartAsync(services, async token =>
        {
            if (configuration.GetValue("Payments:Database:MigrateOnStart", true))
            {
                await services.GetRequiredService<MigrationRunner>().MigrateAsync(token);
            }

            await services.GetRequiredService<CardFingerprinter>().InitializeAsync(token);
            await MerchantBootstrap.RunAsync(services, token);
        }, cancellationToken);
    }
}
