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
#pragma warning disable CA5394 // Test timing, not security.
        var crashAfter = TimeSpan.FromMilliseconds(new Random(seed).Next(500, 2_500));
#pragma warning restore CA5394
        var clock = Stopwatch.StartNew();
        var stopped = false;

        var load = CreateLoad.RunAsync(
            client, Clients, maxRequestsPerClient: 2_000, maxDuration: TimeSpan.FromSeconds(30),
            stopSending: () => Volatile.Read(ref stopped), keyPrefix: $"pgcrash-{seed}", seed, clock);
        await Task.Delay(crashAfter);
        await database.CrashAsync();
        await service.Running.KillHardAsync();
        Volatile.Write(ref stopped, true);
        var attempts = await load;

        var context = $"(seed {seed}, crashed after {crashAfter.TotalMilliseconds:F0} ms, {attempts.Count} requests, "
            + $"{attempts.Count(a => a.Acknowledged)} acknowledged)";
        Assert.True(attempts.Any(a => a.Acknowledged), "no payment was acknowledged before the crash " + context);

        await database.StartAgainAsync();
        await service.StartAsync();

        var lost = await Invariants.AcknowledgedPaymentsSurviveAsync(client, attempts);
        Assert.True(lost.Count == 0, $"acknowledged payments lost or changed {context}:\n" + string.Join("\n", lost.Take(20)));

        var retried = await Invariants.RetryUnansweredAsync(client, attempts, TimeSpan.FromSeconds(60));
        Assert.True(retried.Count == 0, $"retries failed {context}:\n" + string.Join("\n", retried.Take(20)));

        var (duplicates, payments) = await Invariants.ExactlyOnePaymentPerKeyAsync(client, attempts);
        Assert.True(duplicates.Count == 0, $"keys not created exactly once {context}:\n" + string.Join("\n", duplicates.Take(20)));

        var ledger = await Invariants.BalanceMatchesPaymentsAsync(client, payments);
        Assert.True(ledger.Count == 0, $"ledger does not match {context}:\n" + string.Join("\n", ledger));

        var journal = await StoreChecks.JournalImbalancesAsync(service);
        Assert.True(journal.Count == 0, $"journal does not balance {context}:\n" + string.Join("\n", journal));

        var rows = await StoreChecks.OutboxAndJournalMismatchesAsync(service);
        Assert.True(rows.Count == 0, $"outbox/journal rows disagree with the payments after the crash {context}:\n" + string.Join("\n", rows));
    }
}
