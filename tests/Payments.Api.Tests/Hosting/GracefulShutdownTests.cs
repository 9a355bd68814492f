using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Payments.Api.Hosting;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// The stop sequence of a real Kestrel host on a loopback port, as SIGTERM drives it
/// (<see cref="IHostApplicationLifetime.StopApplication"/> is what the console lifetime calls).
/// </summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task On_stop_readiness_turns_503_while_requests_are_still_served_then_in_flight_requests_finish()
    {
        var slowRequestEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseSlowRequest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new FakeTimeProvider();
        await using var app = BuildApp(drainDelaySeconds: DrainDelay.TotalSeconds, clock: clock, map: app =>
        {
            app.MapGet("/slow", async () =>
            {
                slowRequestEntered.TrySetResult();
                await releaseSlowRequest.Task;
                return Results.Text("slow done");
            });
        });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = app.BoundAddress(), Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/ready", UriKind.Relative))).StatusCode);

        var slow = client.GetAsync(new Uri("/slow", UriKind.Relative));
        await slowRequestEntered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopwatch = Stopwatch.StartNew();
        var stopped = app.StopAsync();

        // Draining: readiness says go away, but new requests are still answered (with Connection: close).
        Assert.True(app.Services.GetRequiredService<ShutdownState>().IsDraining);
        using (var fresh = new HttpClient { BaseAddress = app.BoundAddress() })
        {
            var ready = await fresh.GetAsync(new Uri("/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var other = await fresh.GetAsync(new Uri("/fast", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.True(other.Headers.ConnectionClose);
        }

        // The drain delay runs on the test's clock: until it moves, the host keeps serving however slow the machine.
        Assert.False(stopped.IsCompleted);
        clock.Advance(DrainDelay - TimeSpan.FromMilliseconds(1));
        using (var fresh = new HttpClient { BaseAddress = app.BoundAddress() })
        {
            Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync(new Uri("/fast", UriKind.Relative))).StatusCode);
        }

        // After the drain delay Kestrel stops accepting but waits for the request in flight; how soon the
        // listener closes is up to the machine: poll for the refusal with a deadline.
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await RefusesNewConnectionsWithinAsync(app.BoundAddress(), TimeSpan.FromSeconds(10)), "new connections were still accepted 10 s after the drain delay");
        Assert.False(stopped.IsCompleted);
        Assert.False(slow.IsCompleted);

        releaseSlowRequest.SetResult();
        var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("slow done", await response.Content.ReadAsStringAsync());
        await stopped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(ServiceContract.ShutdownTimeoutSeconds));
    }

    [Fact]
    public async Task Sigterm_path_application_stopping_marks_draining_before_the_host_stops_anything()
    {
        await using var app = BuildApp(drainDelaySeconds: 0.5, _ => { });
        await app.StartAsync();
        var state = app.Services.GetRequiredService<ShutdownState>();
        var run = app.WaitForShutdownAsync();

        // What the console lifetime does on SIGTERM.
        app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.True(state.IsDraining);
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        await app.StopAsync();
    }

    [Fact]
    public async Task The_host_shutdown_timeout_is_the_service_contract_value()
    {
        await using var app = BuildApp(drainDelaySeconds: 0, _ => { });

        var options = app.Services.GetRequiredService<IOptions<HostOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(ServiceContract.ShutdownTimeoutSeconds), options.ShutdownTimeout);
    }

    [Fact]
    public async Task A_request_that_outlives_the_shutdown_timeout_does_not_hold_the_process()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = BuildApp(drainDelaySeconds: 0, app =>
            app.MapGet("/forever", async (CancellationToken aborted) =>
            {
                entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, aborted);
                return Results.Ok();
            }));
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = app.BoundAddress() };
        var forever = client.GetAsync(new Uri("/forever", UriKind.Relative));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var stopwatch = Stopwatch.StartNew();
        using var shortTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await app.StopAsync(shortTimeout.Token);

        // Far below the 20 s shutdown timeout a held request would run into, with room for a busy machine.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"stop took {stopwatch.Elapsed}");
        await Assert.ThrowsAnyAsync<Exception>(() => forever);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("16")]
    [InlineData("60")]
    public async Task A_drain_delay_that_leaves_no_time_for_in_flight_requests_fails_start_up(string value)
    {
        await using var app = BuildApp(drainDelaySeconds: null, _ => { }, new() { ["Payments:Shutdown:DrainDelaySeconds"] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("DrainDelaySeconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_worker_role_does_not_wait_for_a_load_balancer()
    {
        await using var app = BuildApp(drainDelaySeconds: null, _ => { }, new() { ["role"] = "worker" });
        await app.StartAsync();

        var stopwatch = Stopwatch.StartNew();
        await app.StopAsync();

        Assert.Equal(0, app.Services.GetRequiredService<IOptions<ShutdownOptions>>().Value.DrainDelaySeconds);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"stop took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Draining_starts_once_and_remembers_when()
    {
        using var state = new ShutdownState();
        Assert.False(state.IsDraining);
        Assert.Null(state.DrainingSince);

        state.BeginDraining();
        var since = state.DrainingSince;
        state.BeginDraining();

        Assert.True(state.IsDraining);
        Assert.True(state.Draining.IsCancellationRequested);
        Assert.NotNull(since);
        Assert.Equal(since, state.DrainingSince);
    }

    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(4);

    private static async Task<bool> RefusesNewConnectionsWithinAsync(Uri address, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < limit)
        {
            try
            {
                // A client timeout would end the test with an exception: an answer still served must have time to come.
                using var late = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
                using var response = await late.GetAsync(new Uri("/fast", UriKind.Relative));
            }
            catch (HttpRequestException)
            {
                return true; // connection refused: the listener is closed
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static WebApplication BuildApp(double? drainDelaySeconds, Action<WebApplication> map, Dictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var configuration = settings ?? [];
        if (drainDelaySeconds is not null)
        {
            configuration["Payments:Shutdown:DrainDelaySeconds"] = drainDelaySeconds.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddGracefulShutdown();
        var app = builder.Build();
        app.UseGracefulShutdown();
        app.MapGet("/ready", (ShutdownState state) => state.IsDraining ? Results.StatusCode(503) : Results.Ok());
        app.MapGet("/fast", () => Results.Text("fast"));
        map(app);
        return app;
    }
}
