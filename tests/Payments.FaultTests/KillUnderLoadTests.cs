using System.Diagnostics;
using Payments.FaultTests.Infrastructure;

namespace Payments.FaultTests;

/// <summary>
/// issue 6 item 1: 16 clients create payments; the service is killed with SIGKILL at a random moment
/// and started again over the same store. Nothing acknowledged is lost or changed, a retry of an
/// unanswered key creates its payment at most once, and the ledger balances.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class KillUnderLoadTests(PostgresFixture postgres)
{
    private const int Clients = 16;

    [Theory]
    [InlineData(StoreKind.Postgres)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Kill_9_under_load_loses_nothing_acknowledged_and_creates_each_key_at_most_once(StoreKind store)
    {
        await using var service = await ServiceUnderTest.CreateAsync(store, postgres);
        await service.StartAsync();
        var client = service.ClientFor(service.MerchantA);
        var seed = Environment.TickCount;
#pragma warning disable CA5394 // A reproducible moment, not security.
        var killAfter = new Random(seed).Next(20, 300); // acknowledged creates: the kill comes while the load is under way
#pragma warning restore CA5394
        var clock = Stopwatch.StartNew();
        var killed = false;
        var progress = new LoadProgress();

        var load = CreateLoad.RunAsync(
            client, Clients, maxRequestsPerClient: 2_000, maxDuration: TimeSpan.FromSeconds(20),
            stopSending: () => Volatile.Read(ref killed), keyPrefix: $"kill-{seed}", seed, clock, progress: progress);
        await Task.WhenAny(progress.WhenAcknowledged(killAfter), load);
        await service.Running.KillHardAsync();
        Volatile.Write(ref killed, true);
        var killedAt = clock.Elapsed;
        var attempts = await load;

        var context = $"(seed {seed}, killed after {killAfter} acknowledged creates, {attempts.Count} requests, "
            + $"{attempts.Count(a => a.Acknowledged)} acknowledged)";
        Assert.True(attempts.Any(a => a.Acknowledged), "the load never got a payment created before the kill " + context
            + "\n" + string.Join("\n", attempts.Take(5)) + "\n" + service.Running.RecentOutput());
        // Before the kill every request must succeed; after it only transport failures are acceptable.
        var wrongBeforeKill = attempts.Where(a => a.Finished < killedAt && !a.Acknowledged && a.Response is not null).ToList();
        Assert.True(wrongBeforeKill.Count == 0, "non-2xx answers under load: " + string.Join("\n", wrongBeforeKill.Take(10)) + context);

        await service.StartAsync();

        await Invariants.AssertNothingAcknowledgedLostAsync(service, client, attempts, context);
    }
}
