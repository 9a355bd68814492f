using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Storage;

/// <summary>Start-up work retried while the database is briefly unreachable, and only then.</summary>
public sealed class StartupRetryTests
{
    [Fact]
    public async Task Transient_failures_are_retried_with_doubling_delays_until_the_work_succeeds()
    {
        var clock = new Clock();
        var attempts = 0;

        await StartupRetry.RunAsync(_ =>
        {
            attempts++;
            return attempts < 4 ? throw new TimeoutException("connect timed out") : Task.CompletedTask;
        }, TimeSpan.FromSeconds(60), clock.Time, NullLogger.Instance, CancellationToken.None, clock.WaitAsync);

        Assert.Equal(4, attempts);
        Assert.Equal([0.25, 0.5, 1.0], clock.Waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task The_delay_stops_doubling_at_its_ceiling()
    {
        var clock = new Clock();
        var attempts = 0;

        await StartupRetry.RunAsync(_ =>
        {
            attempts++;
            return attempts < 8 ? throw new NpgsqlException("connection refused", new System.Net.Sockets.SocketException(111)) : Task.CompletedTask;
        }, TimeSpan.FromSeconds(60), clock.Time, NullLogger.Instance, CancellationToken.None, clock.WaitAsync);

        Assert.Equal([0.25, 0.5, 1, 2, 4, 5, 5], clock.Waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task A_failure_that_is_not_an_outage_is_thrown_at_once()
    {
        var clock = new Clock();
        var attempts = 0;

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => StartupRetry.RunAsync(_ =>
        {
            attempts++;
            throw new InvalidOperationException("migration 0007 is invalid");
        }, TimeSpan.FromSeconds(60), clock.Time, NullLogger.Instance, CancellationToken.None, clock.WaitAsync));

        Assert.Equal(1, attempts);
        Assert.Empty(clock.Waits);
        Assert.Contains("0007", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_outage_longer_than_the_budget_ends_with_its_last_failure()
    {
        var clock = new Clock();
        var attempts = 0;

        await Assert.ThrowsAsync<TimeoutException>(() => StartupRetry.RunAsync(_ =>
        {
            attempts++;
            throw new TimeoutException($"attempt {attempts}");
        }, TimeSpan.FromSeconds(1), clock.Time, NullLogger.Instance, CancellationToken.None, clock.WaitAsync));

        // 0.25 + 0.5 s of waits fit in the budget of 1 s; the next wait (1 s) would not.
        Assert.Equal(3, attempts);
        Assert.Equal([0.25, 0.5], clock.Waits.Select(w => w.TotalSeconds));
    }

    /// <summary>A fake clock whose waits pass at once and are recorded.</summary>
    private sealed class Clock
    {
        public FakeTimeProvider Time { get; } = new();

        public List<TimeSpan> Waits { get; } = [];

        public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
        {
            Waits.Add(delay);
            Time.Advance(delay);
            return Task.CompletedTask;
        }
    }
}
