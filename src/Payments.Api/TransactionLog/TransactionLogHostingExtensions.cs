using Amazon.S3;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Payments.Api.Hosting;
using Payments.Api.Observability;

namespace Payments.Api.TransactionLog;

public static class TransactionLogHostingExtensions
{
    /// <summary>
    /// Registers the transaction-log sink chosen by <c>Payments:TransactionLog</c> and, when the
    /// process role is <c>worker</c> or <c>all</c> (or <c>Payments:TransactionLog:RelayEnabled</c>
    /// says so), the <see cref="TransactionLogRelay"/> hosted service. Needs the
    /// <see cref="Storage.IConnectionFactory"/> registered by core's storage set-up.
    /// Options are validated at start-up.
    /// </summary>
    public static IHostApplicationBuilder AddTransactionLog(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<TransactionLogOptions>()
            .Bind(builder.Configuration.GetSection(TransactionLogOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TransactionLogOptions>, TransactionLogOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<PaymentsMetrics>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITransactionLogSink>(CreateSink);
        services.AddTransactionLogStore();

        var options = builder.Configuration.GetSection(TransactionLogOptions.SectionName).Get<TransactionLogOptions>() ?? new TransactionLogOptions();
        var runRelay = options.RelayEnabled ?? ProcessRoles.FromConfiguration(builder.Configuration).RunsRelay();
        if (runRelay)
        {
            services.AddSingleton<TransactionLogRelay>();
            services.AddHostedService(sp => sp.GetRequiredService<TransactionLogRelay>());
        }

        return builder;
    }

    /// <summary>The <see cref="ITransactionLogStore"/> for the configured store (the relay and the events read through it).</summary>
    public static IServiceCollection AddTransactionLogStore(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => SqlTransactionLogStore.For(sp.GetRequiredService<Storage.IConnectionFactory>()));
        return services;
    }

    private static ITransactionLogSink CreateSink(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<TransactionLogOptions>>().Value;
        switch (options.Sink)
        {
            case TransactionLogSinkKind.S3:
                var config = new AmazonS3Config { ForcePathStyle = options.ForcePathStyle };
                if (!options.ChunkedUploads)
                {
                    // Without aws-chunked framing there is no trailer to carry the checksums the SDK would add.
                    config.RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED;
                    config.ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED;
                }
                if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
                {
                    config.ServiceURL = options.ServiceUrl;
                }

                // The SDK's default chain supplies region and credentials (task role on ECS).
                return new S3TransactionLogSink(new AmazonS3Client(config), options.Bucket!, options.Prefix, useChunkEncoding: options.ChunkedUploads, ownsClient: true);
            default:
                return new DirectoryTransactionLogSink(options.Directory);
        }
    }

    private sealed class TransactionLogOptionsValidator : IValidateOptions<TransactionLogOptions>
    {
        public ValidateOptionsResult Validate(string? name, TransactionLogOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
