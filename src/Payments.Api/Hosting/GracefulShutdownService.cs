using Microsoft.Extensions.Options;

namespace Payments.Api.Hosting;

/// <summary>
/// Runs first in the host's stop sequence: marks the process draining and keeps everything
/// (Kestrel included) serving for the drain delay; only then does the host stop the hosted
/// services — Kestrel stops accepting and finishes in-flight requests, the relay stops — all
/// within <see cref="HostOptions.ShutdownTimeout"/>.
/// </summary>
internal sealed partial class GracefulShutdownService : IHostedLifecycleService, IDisposable
{
    private readonly ShutdownState state;
    private readonly TimeProvider time;
    private readonly ILogger<GracefulShutdownService> logger;
    private readonly TimeSpan drainDelay;
    private readonly CancellationTokenRegistration stoppingRegistration;

    public GracefulShutdownService(
        ShutdownState state, IHostApplicationLifetime lifetime, IOptions<ShutdownOptions> options, TimeProvider time, ILogger<GracefulShutdownService> logger)
    {
        this.state = state;
        this.time = time;
        this.logger = logger;
        drainDelay = TimeSpan.FromSeconds(options.Value.DrainDelaySeconds);

        // ApplicationStopping fires on SIGTERM before any hosted service is asked to stop: turn
        // readiness to 503 at the earliest moment.
        stoppingRegistration = lifetime.ApplicationStopping.Register(state.BeginDraining);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        state.BeginDraining();
        LogDraining(logger, drainDelay.TotalSeconds);
        try
        {
            await Task.Delay(drainDelay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout fired during the delay: continue stopping at once.
        }

        LogDrained(logger);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => stoppingRegistration.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutdown requested: readiness is 503, still serving for {DrainDelaySeconds} s before closing listeners")]
    private static partial void LogDraining(ILogger logger, double drainDelaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drain delay over: closing listeners, finishing in-flight requests, stopping background work")]
    private static partial void LogDrained(ILogger logger);
}
