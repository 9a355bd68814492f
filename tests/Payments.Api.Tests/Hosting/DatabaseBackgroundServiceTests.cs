using Microsoft.Extensions.Logging.Abstractions;
using Payments.Api.Hosting;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// Stopping a service cancels its stopping token, which runs the database driver's callbacks on the
/// stopping thread. One that throws because its connection is already disposed (Npgsql after a broken
/// connection) must not fail the stop, and so the host's shutdown; anything else must.
/// </summary>
public sealed class DatabaseBackgroundServiceTests
{
    [Fact]
    public async Task A_cancellation_callback_that_finds_its_connection_disposed_does_not_fail_the_stop()
    {
        using var service = await StartedAsync(new Registering(DisposedWaitHandle));

        await service.StopAsync(CancellationToken.None);

        Assert.True(service.ExecuteTask!.IsCompletedSuccessfully);
        Assert.True(service.SawCancellation);
    }

    [Fact]
    public async Task A_plain_BackgroundService_fails_its_stop_on_the_same_callback()
    {
        // Why the base class exists: the host's StopAsync sees this exception.
        using var service = await StartedAsync(new PlainRegistering(DisposedWaitHandle));

        var failure = await Assert.ThrowsAsync<AggregateException>(() => service.StopAsync(CancellationToken.None));
        Assert.IsType<ObjectDisposedException>(Assert.Single(failure.InnerExceptions));
    }

    [Fact]
    public async Task Any_other_callback_failure_still_fails_the_stop()
    {
        using var service = await StartedAsync(new Registering(() => throw new InvalidOperationException("a bug, not a disposed connection")));

        var failure = await Assert.ThrowsAsync<AggregateException>(() => service.StopAsync(CancellationToken.None));
        Assert.IsType<InvalidOperationException>(Assert.Single(failure.InnerExceptions));
        Assert.True(service.ExecuteTask!.IsCompleted);
    }

    [Fact]
    public void Every_background_service_of_the_api_stops_through_the_guard()
    {
        // All of them pass their stopping token to database calls (relay, webhooks, sweepers, void retries).
        var services = typeof(DatabaseBackgroundService).Assembly.GetTypes()
            .Where(type => type.IsSubclassOf(typeof(BackgroundService)) && !type.IsAbstract).ToList();
        Assert.NotEmpty(services);
        Assert.All(services, type => Assert.True(type.IsSubclassOf(typeof(DatabaseBackgroundService)), type.FullName));
    }

    /// <summary>What Npgsql's callback throws when the connection under the cancelled command broke just before.</summary>
    private static readonly Action DisposedWaitHandle = () => throw new ObjectDisposedException("System.Threading.ManualResetEventSlim");

    /// <summary>The service, started, once its ExecuteAsync has registered its callback.</summary>
    private static async Task<T> StartedAsync<T>(T service)
        where T : BackgroundService, IRegistering
    {
        await service.StartAsync(CancellationToken.None);
        await service.Registered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return service;
    }

    private interface IRegistering
    {
        TaskCompletionSource Registered { get; }
    }

    /// <summary>
    /// Registers <paramref name="callback"/> on the stopping token, as a driver does for a command in flight, then waits
    /// for the stop; true once the stop has cancelled the wait.
    /// </summary>
    private static async Task<bool> RegisterAndWaitForStopAsync(Action callback, TaskCompletionSource registered, CancellationToken stoppingToken)
    {
        // The wait ends from inside the same callback, so the registration cannot be disposed (by the wait ending on
        // another thread) before the stop has run the callback.
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = stoppingToken.Register(() =>
        {
            stopped.TrySetResult();
            callback();
        });
        registered.SetResult();
        await stopped.Task;
        return stoppingToken.IsCancellationRequested;
    }

    private sealed class Registering(Action callback) : DatabaseBackgroundService(NullLogger.Instance), IRegistering
    {
        public TaskCompletionSource Registered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool SawCancellation { get; private set; }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken) =>
            SawCancellation = await RegisterAndWaitForStopAsync(callback, Registered, stoppingToken);
    }

    private sealed class PlainRegistering(Action callback) : BackgroundService, IRegistering
    {
        public TaskCompletionSource Registered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
            RegisterAndWaitForStopAsync(callback, Registered, stoppingToken);
    }
}
