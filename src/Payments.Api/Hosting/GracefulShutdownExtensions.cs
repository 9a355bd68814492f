using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Payments.Api.Hosting;

public static class GracefulShutdownExtensions
{
    /// <summary>
    /// SIGTERM handling: registers <see cref="ShutdownState"/> (singleton), sets the host's
    /// shutdown timeout to <see cref="ServiceContract.ShutdownTimeoutSeconds"/>, and keeps serving
    /// for <c>Payments:Shutdown:DrainDelaySeconds</c> with readiness 503 before Kestrel stops.
    /// The drain runs in <see cref="IHostedLifecycleService.StoppingAsync"/>, which the host calls
    /// before it stops any hosted service, so registration order does not matter.
    /// </summary>
    public static IHostApplicationBuilder AddGracefulShutdown(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        // A worker serves no traffic behind a load balancer: nothing to drain unless configured.
        if (ProcessRoles.FromConfiguration(builder.Configuration) == ProcessRole.Worker)
        {
            services.Configure<ShutdownOptions>(options => options.DrainDelaySeconds = 0);
        }

        services.AddOptions<ShutdownOptions>().Bind(builder.Configuration.GetSection(ShutdownOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ShutdownOptions>, ShutdownOptionsValidator>());
        services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(ServiceContract.ShutdownTimeoutSeconds));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ShutdownState(sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<GracefulShutdownService>();
        return builder;
    }

    /// <summary>
    /// While draining, answers every HTTP/1.x response with <c>Connection: close</c> so keep-alive
    /// clients open their next connection to another instance instead of reusing this one.
    /// </summary>
    public static IApplicationBuilder UseGracefulShutdown(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var state = app.ApplicationServices.GetRequiredService<ShutdownState>();
        return app.Use((context, next) =>
        {
            if (state.IsDraining && (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol)))
            {
                context.Response.Headers.Connection = "close";
            }

            return next(context);
        });
    }

    private sealed class ShutdownOptionsValidator : IValidateOptions<ShutdownOptions>
    {
        public ValidateOptionsResult Validate(string? name, ShutdownOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
