using System.Diagnostics;
using Payments.FaultTests.Infrastructure;

namespace Payments.FaultTests;

/// <summary>
/// The service and its database die together under load: PostgreSQL is stopped with
/// <c>pg_ctl -m immediate</c> (no checkpoint, as a crash of the database host) and the service is
/// killed with SIGKILL right after. After crash recovery nothing that was acknowledged is lost, each
/// key creates at most one payment, and ledger, journal and outbox agree — a 201 means "committed
/// durably", not "sent to the database".
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class DatabaseCrashTests
{
    private const int Clients = 16;

    [Fact]
    public async Task Database_crash_and_service_kill_under_load_lose_nothing_acknowledged()
    {
        await using var database = await PrivatePostgres.StartAsync();
        await using var service = await ServiceUnderTest.CreateOnServerAsync(database);
        await service.StartAsync();
        var client = service.ClientFor(service.MerchantA);
        var seed = Environment.TickCount;
#pragma warning disable CA5394 // A reproducible moment, not security.
        var crashAfter = new Random(seed).Next(20, 300); // acknowledged creates: the crash comes while the load is under way
#pragma warning restore CA5394
        var clock = Stopwatch.StartNew();
        var stopped = false;
        var progress = new LoadProgress();

        var load = CreateLoad.RunAsync(
            client, Clients, maxRequestsPerClient: 2_000, maxDuration: TimeSpan.FromSeconds(30),
            stopSending: () => Volatile.Read(ref stopped), keyPrefix: $"pgcrash-{seed}", seed, clock, progress: progress);
        await Task.WhenAny(progress.WhenAcknowledged(crashAfter), load);
        await database.CrashAsync();
        await service.Running.KillHardAsync();
        Volatile.Write(ref stopped, true);
        var attempts = await load;

        var context = $"(seed {seed}, crashed after {crashAfter} acknowledged creates, {attempts.Count} requests, "
            + $"{attempts.Count(a => a.Acknowledged)} acknowledged)";
        Assert.True(attempts.Any(a => a.Acknowledged), "no payment was acknowledged before the crash " + context);

        await database.StartAgainAsync();
        await service.StartAsync();

        await Invariants.AssertNothingAcknowledgedLostAsync(service, client, attempts, context);
    }
}
