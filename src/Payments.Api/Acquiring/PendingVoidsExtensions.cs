using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Payments.Api.Hosting;

namespace Payments.Api.Acquiring;

public static class PendingVoidsExtensions
{
    /// <summary>
    /// The in-process retry queue for voids the acquirer refused (every role: any process that creates
    /// payments may need it; idle when empty) and, in roles <c>worker</c> and <c>all</c> (or as
    /// <c>Payments:PendingVoids:SweeperEnabled</c> says), the sweeper of <c>pending_voids</c>.
    /// </summary>
    public static IHostApplicationBuilder AddPendingVoids(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var section = builder.Configuration.GetSection(PendingVoidOptions.Section);
        services.AddOptions<PendingVoidOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PendingVoidOptions>, Validator>());
        services.TryAddSingleton<PendingVoidStore>();
        services.TryAddSingleton<VoidRetries>();
        services.AddHostedService(sp => sp.GetRequiredService<VoidRetries>());

        var options = section.Get<PendingVoidOptions>() ?? new PendingVoidOptions();
        if (options.SweeperEnabled ?? ProcessRoles.FromConfiguration(builder.Configuration).RunsRelay())
        {
            services.TryAddSingleton<PendingVoidSweeper>();
            services.AddHostedService(sp => sp.GetRequiredService<PendingVoidSweeper>());
        }

        return builder;
    }

    private sealed class Validator : IValidateOptions<PendingVoidOptions>
    {
        public ValidateOptionsResult Validate(string? name, PendingVoidOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
