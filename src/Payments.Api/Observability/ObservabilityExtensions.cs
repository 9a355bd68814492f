using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Payments.Api.Observability;

public static class ObservabilityExtensions
{
    /// <summary>The OpenTelemetry service name (resource attribute <c>service.name</c>) unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string ServiceName = "payments-api";

    /// <summary>The standard OpenTelemetry variable; the OTLP exporter is on only when it is set.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Structured logs and telemetry: JSON console logs (one object per line, UTC timestamps,
    /// scopes on, so every line inside a request carries its <c>RequestId</c>, <c>TraceId</c> and
    /// <c>SpanId</c>) — in Development the same entries as readable single lines of text; OpenTelemetry metrics (ASP.NET Core, HttpClient, runtime,
    /// <see cref="PaymentsMetrics.MeterName"/>) and traces (ASP.NET Core, HttpClient, the relay),
    /// exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Without an endpoint the
    /// OpenTelemetry SDK is not registered at all: nothing would read what it records, and recording
    /// it costs every request (tags, a metric histogram, diagnostic events). The meters still exist
    /// for in-process listeners, and log lines still carry <c>TraceId</c>/<c>SpanId</c> (ASP.NET Core
    /// starts an activity per request whenever logging is on). Registers <see cref="PaymentsMetrics"/>
    /// as a singleton.
    /// </summary>
    public static IHostApplicationBuilder AddPaymentsObservability(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        if (builder.Environment.IsDevelopment())
        {
            // A person reads this console: one line per entry with its scopes (request id, trace id).
            builder.Logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.IncludeScopes = true;
                options.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        else
        {
            builder.Logging.AddJsonConsole(options =>
            {
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                // Log lines are read by log tooling, never rendered as HTML: keep '>', '+', non-ASCII readable.
                options.JsonWriterOptions = new System.Text.Json.JsonWriterOptions
                {
                    Indented = false,
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                };
            });
        }

        builder.Logging.Configure(options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<PaymentsMetrics>();

        if (!IsOtlpEnabled(builder.Configuration))
        {
            return builder;
        }

        var version = typeof(ObservabilityExtensions).Assembly.GetName().Version?.ToString() ?? "unknown";
        var serviceNameFromEnvironment = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // An explicit service name would override OTEL_SERVICE_NAME, so add it only as the default.
                if (!serviceNameFromEnvironment)
                {
                    resource.AddService(ServiceName, serviceVersion: version);
                }
            })
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(PaymentsMetrics.MeterName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/healthz", StringComparison.OrdinalIgnoreCase))
                .AddHttpClientInstrumentation()
                .AddSource(PaymentsMetrics.MeterName))
            // Endpoint, protocol, headers, intervals and the trace sampler come from the standard OTEL_* variables.
            .UseOtlpExporter();
        return builder;
    }

    /// <summary>
    /// Adds a <c>Request-Id</c> response header (the id in every log line of the request) so a
    /// client can quote it in a support ticket.
    /// </summary>
    public static IApplicationBuilder UseRequestIdHeader(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) =>
        {
            context.Response.Headers["Request-Id"] = context.TraceIdentifier;
            return next(context);
        });
    }

    public static bool IsOtlpEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);
    }
}
