using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Payments.Api.Observability;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Observability;

[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;

/// <summary>Runs alone: it redirects the process's console to read the log lines (JSON; readable text in Development).</summary>
[Collection(nameof(ConsoleCapture))]
public sealed partial class ConsoleLogTests
{
    [Fact]
    public async Task Every_log_line_is_one_json_object_with_request_id_and_trace_id_in_scope()
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        var original = Console.Out;
        using var captured = new StringWriter();
        string requestIdHeader;
        Console.SetOut(TextWriter.Synchronized(captured));
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.AddPaymentsObservability();
            await using var app = builder.Build();
            app.UseRequestIdHeader();
            app.MapGet("/log", (ILogger<ConsoleLogTests> logger) =>
            {
                LogMarker(logger, marker);
                return Results.Ok();
            });
            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = app.BoundAddress() };
            var response = await client.GetAsync(new Uri("/log", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            requestIdHeader = Assert.Single(response.Headers.GetValues("Request-Id"));
            await app.StopAsync();
        }
        finally
        {
            Console.SetOut(original);
        }

        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var markerLine = Assert.Single(lines, l => l.Contains(marker, StringComparison.Ordinal));
        foreach (var line in lines)
        {
            using var parsed = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
        }

        using var document = JsonDocument.Parse(markerLine);
        var root = document.RootElement;
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", root.GetProperty("Timestamp").GetString());
        var scopes = root.GetProperty("Scopes").EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object).ToList();
        var requestScope = Assert.Single(scopes, s => s.TryGetProperty("RequestId", out _));
        Assert.Equal(requestIdHeader, requestScope.GetProperty("RequestId").GetString());
        Assert.Equal("/log", requestScope.GetProperty("RequestPath").GetString());
        var activityScope = Assert.Single(scopes, s => s.TryGetProperty("TraceId", out _));
        Assert.Matches("^[0-9a-f]{32}$", activityScope.GetProperty("TraceId").GetString());
        Assert.Matches("^[0-9a-f]{16}$", activityScope.GetProperty("SpanId").GetString());
    }

    [Fact]
    public async Task In_development_each_log_entry_is_one_readable_text_line_with_its_request_scope()
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        var original = Console.Out;
        using var captured = new StringWriter();
        string requestIdHeader;
        Console.SetOut(TextWriter.Synchronized(captured));
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.AddPaymentsObservability();
            await using var app = builder.Build();
            app.UseRequestIdHeader();
            app.MapGet("/log", (ILogger<ConsoleLogTests> logger) =>
            {
                LogMarker(logger, marker);
                return Results.Ok();
            });
            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = app.BoundAddress() };
            var response = await client.GetAsync(new Uri("/log", UriKind.Relative));
            requestIdHeader = Assert.Single(response.Headers.GetValues("Request-Id"));
            await app.StopAsync();
        }
        finally
        {
            Console.SetOut(original);
        }

        var markerLine = Assert.Single(captured.ToString().Split('\n'), l => l.Contains(marker, StringComparison.Ordinal));
        Assert.False(markerLine.TrimStart().StartsWith('{'), markerLine);
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} info: Payments\.Api\.Tests\.Observability\.ConsoleLogTests\[\d+\] ", markerLine);
        Assert.Contains("RequestId:" + requestIdHeader, markerLine, StringComparison.Ordinal);
        Assert.EndsWith("handled " + marker, markerLine.TrimEnd('\r'), StringComparison.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "handled {Marker}")]
    private static partial void LogMarker(ILogger logger, string marker);
}

public sealed class TelemetryTests
{
    [Fact]
    public void Payments_meter_counts_created_declined_and_replayed_with_their_tags()
    {
        using var services = new ServiceCollection().AddMetrics().AddSingleton<PaymentsMetrics>().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = services.GetRequiredService<PaymentsMetrics>();
        var measurements = new ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == PaymentsMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();

        metrics.PaymentCreated("succeeded", "usd");
        metrics.PaymentCreated("failed", "eur");
        metrics.PaymentDeclined("card_declined", "insufficient_funds");
        metrics.IdempotencyReplayed("/v1/payments");

        Assert.Equal(2, measurements.Count(m => m.Instrument == "payments.payments.created"));
        Assert.Contains(measurements, m => m.Instrument == "payments.payments.created" && Equals(m.Tags["status"], "failed") && Equals(m.Tags["currency"], "eur"));
        var declined = Assert.Single(measurements, m => m.Instrument == "payments.payments.declined");
        Assert.Equal("insufficient_funds", declined.Tags["decline_code"]);
        var replay = Assert.Single(measurements, m => m.Instrument == "payments.idempotency.replays");
        Assert.Equal("/v1/payments", replay.Tags["route"]);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("http://collector:4318", true)]
    public void Otlp_export_is_on_only_when_the_endpoint_variable_is_set(string? endpoint, bool enabled)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [ObservabilityExtensions.OtlpEndpointVariable] = endpoint })
            .Build();

        Assert.Equal(enabled, ObservabilityExtensions.IsOtlpEnabled(configuration));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("http://collector:4318", true)]
    public void The_opentelemetry_sdk_is_registered_only_when_it_has_somewhere_to_export(string? endpoint, bool registered)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [ObservabilityExtensions.OtlpEndpointVariable] = endpoint });
        builder.AddPaymentsObservability();
        using var services = builder.Services.BuildServiceProvider();

        // Without an exporter nothing reads traces or SDK metrics, so nothing records them per request;
        // the service's own meter still works for in-process listeners.
        Assert.Equal(registered, services.GetService<OpenTelemetry.Trace.TracerProvider>() is not null);
        Assert.Equal(registered, services.GetService<OpenTelemetry.Metrics.MeterProvider>() is not null);
        Assert.NotNull(services.GetService<PaymentsMetrics>());
    }

    [Theory]
    [InlineData(null, "payments-api")]
    [InlineData("payments-worker-eu", "payments-worker-eu")]
    public async Task With_an_otlp_endpoint_traces_and_metrics_reach_the_collector_under_the_service_name(string? serviceName, string expectedName)
    {
        var received = new ConcurrentQueue<(string Path, string ContentType, byte[] Body)>();
        var collectorBuilder = WebApplication.CreateSlimBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = collectorBuilder.Build();
        collector.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue((request.Path, request.ContentType ?? string.Empty, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync();
        var collectorUrl = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collectorUrl,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = serviceName,
        });
        builder.Logging.ClearProviders();
        builder.AddPaymentsObservability();
        var app = builder.Build();
        app.MapGet("/traced", (PaymentsMetrics metrics) =>
        {
            metrics.PaymentCreated("succeeded", "usd");
            return Results.Ok();
        });
        await app.StartAsync();
        using (var client = new HttpClient { BaseAddress = app.BoundAddress() })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/traced", UriKind.Relative))).StatusCode);
        }

        // Stopping the host flushes the batch processors and the metric reader.
        await app.StopAsync();
        await app.DisposeAsync();

        // OTLP protobuf carries resource attribute values as plain UTF-8 strings.
        var name = System.Text.Encoding.UTF8.GetBytes(expectedName);
        Assert.Contains(received, r => r.Path == "/v1/traces" && r.ContentType == "application/x-protobuf" && r.Body.AsSpan().IndexOf(name) >= 0);
        Assert.Contains(received, r => r.Path == "/v1/metrics" && r.Body.AsSpan().IndexOf(name) >= 0);
        Assert.Contains(received, r => r.Path == "/v1/metrics" && r.Body.AsSpan().IndexOf("payments.payments.created"u8) >= 0);
    }
}
