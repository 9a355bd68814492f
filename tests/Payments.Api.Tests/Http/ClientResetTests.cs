using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Payments.Api.Http;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Http;

/// <summary>
/// The error middleware on a real Kestrel socket: a client that resets its connection mid-request is not
/// reported as a store outage (which an <see cref="IOException"/> otherwise means: a 503 with a retry hint and
/// a warning), while an <see cref="IOException"/> from the store still is.
/// </summary>
public sealed class ClientResetTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_client_that_resets_while_its_body_is_read_is_not_counted_as_a_store_outage()
    {
        var lines = new ConcurrentQueue<string>();
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Exception? seen = null;
        await using var app = await StartAsync(lines, handled, routes => routes.MapPost("/read", async (HttpContext context) =>
        {
            reading.TrySetResult();
            try
            {
                // As the API's endpoints read their bodies.
                await JsonBody.ReadAsync(context.Request, context.RequestAborted);
            }
            catch (Exception exception)
            {
                seen = exception;
                throw;
            }

            return Results.Ok();
        }));

        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, Port(app));
            // 12 of the 1,000 bytes announced, then a reset (linger 0) while the endpoint waits for the rest.
            await socket.SendAsync("POST /read HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"amount\": 1"u8.ToArray());
            await reading.Task.WaitAsync(Deadline);
            socket.LingerState = new LingerOption(true, 0);
        }

        await handled.Task.WaitAsync(Deadline);

        // Kestrel ends the read one of two ways, whichever comes first: the reset itself, or the request's abort
        // token. The reset is an IOException, which the store-outage rule would count; the abort never reaches it.
        if (seen is Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            Assert.Contains(lines, line => line.Contains("The client reset the connection during POST /read", StringComparison.Ordinal));
        }
        else
        {
            Assert.IsAssignableFrom<OperationCanceledException>(seen);
        }

        Assert.DoesNotContain(lines, line => line.Contains("Store unavailable", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("Unhandled error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_IOException_from_the_store_is_still_a_503_with_a_retry_hint()
    {
        var lines = new ConcurrentQueue<string>();
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await StartAsync(lines, handled, routes => routes.MapPost("/read", IResult () =>
            throw new IOException("the store's socket was closed")));
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var response = await client.PostAsync(new Uri("/read", UriKind.Relative), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        Assert.Contains("store_unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await handled.Task.WaitAsync(Deadline);
        Assert.Contains(lines, line => line.Contains("Store unavailable (IOException) on POST /read", StringComparison.Ordinal));
    }

    private static async Task<WebApplication> StartAsync(ConcurrentQueue<string> lines, TaskCompletionSource handled, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddFilter(_ => true);
        builder.Logging.AddProvider(new CapturingLoggerProvider(lines));
        var app = builder.Build();
        // Outside the error middleware: completes once that middleware has dealt with the request, however it ended.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                handled.TrySetResult();
            }
        });
        app.UsePaymentsErrors();
        map(app);
        await app.StartAsync();
        return app;
    }

    private static int Port(WebApplication app) => new Uri(app.Urls.First()).Port;
}
