using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;
using Payments.Api.Tests.Infrastructure;
using Payments.Webhooks;

namespace Payments.Api.Tests.Webhooks;

/// <summary>One request a receiver got: the headers a receiver relies on and the raw body.</summary>
public sealed record ReceivedWebhook(string? EventId, string? Signature, string Body, string? ContentType);

/// <summary>
/// A real HTTP receiver on loopback (Kestrel, port 0). <c>respond</c> decides each answer from the
/// request and its 1-based number; it may wait, to play a slow receiver.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;

    private WebhookReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public Uri Url => new(app.BoundAddress(), "/hook");

    public static async Task<WebhookReceiver> StartAsync(Func<ReceivedWebhook, int, Task<int>> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        var count = 0;
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var received = new ReceivedWebhook(
                context.Request.Headers[WebhookSignature.EventIdHeaderName].FirstOrDefault(),
                context.Request.Headers[WebhookSignature.HeaderName].FirstOrDefault(),
                await reader.ReadToEndAsync(context.RequestAborted),
                context.Request.ContentType);
            receiver.Received.Enqueue(received);
            return Results.StatusCode(await respond(received, Interlocked.Increment(ref count)));
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(TimeSpan.FromSeconds(1));
        await app.DisposeAsync();
    }
}
