using System.Collections.Concurrent;
using System.Diagnostics;
using Payments.FaultTests.Infrastructure;

namespace Payments.FaultTests;

/// <summary>
/// issue 6 item 3 (PostgreSQL): the database is stopped and started again under load. The service
/// keeps running and recovers by itself, readiness is 503 during the outage and 200 after it,
/// every error in between is a typed 503, and nothing acknowledged is lost.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class DatabaseRestartTests
{
    private const int Clients = 8;
    // Readiness must be seen answering 503 by probes both sent and answered inside the outage (3 s probe timeout):
    // 5 s leaves room for several of them while a busy machine answers slowly.
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Postgres_restart_mid_load_is_survived_without_restarting_the_service()
    {
        await using var database = await PrivatePostgres.StartAsync();
        // Not the shared server: this test owns its server because it stops it.
        await using var service = await ServiceUnderTest.CreateOnServerAsync(database);
        var process = await service.StartAsync();
        var client = service.ClientFor(service.MerchantA, TimeSpan.FromSeconds(20));
        var probe = service.AnonymousClient(TimeSpan.FromSeconds(3));
        var clock = Stopwatch.StartNew();
        var seed = Environment.TickCount;
        // Each probe with the time it was SENT (At) — an answer to a probe sent before the stop may rightly be 200.
        var readiness = new ConcurrentQueue<(TimeSpan At, int Status, TimeSpan Answered)>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var prober = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var sent = clock.Elapsed;
                try
                {
                    using var response = await probe.GetAsync(new Uri("/healthz/ready", UriKind.Relative), stop.Token);
                    readiness.Enqueue((sent, (int)response.StatusCode, clock.Elapsed));
                }
                catch (HttpRequestException)
                {
                    readiness.Enqueue((sent, 0, clock.Elapsed));
                }
                catch (OperationCanceledException)
                {
                    readiness.Enqueue((sent, -1, clock.Elapsed));
                }

                await Task.Delay(50);
            }
        });

        var stopLoad = false;
        var progress = new LoadProgress();
        var load = CreateLoad.RunAsync(
            client, Clients, maxRequestsPerClient: 5_000, maxDuration: TimeSpan.FromSeconds(60),
            stopSending: () => Volatile.Read(ref stopLoad), keyPrefix: $"pgrestart-{seed}", seed, clock,
            pauseAfterFailure: TimeSpan.FromMilliseconds(50), progress: progress);

        // The stop comes while the load is under way.
        await Task.WhenAny(progress.WhenAcknowledged(100), load);
        var outageStart = clock.Elapsed;
        // pg_ctl stop -m fast returns once the server is down; on a loaded machine that takes a while.
        await database.StopAsync();
        var databaseDown = clock.Elapsed;
        await Task.Delay(Outage); // the fault itself: the database stays down this long
        var outageEnd = clock.Elapsed;
        await database.StartAgainAsync();
        var databaseBack = clock.Elapsed;

        // Recovery: readiness 200 again and new payments acknowledged, without touching the process.
        TimeSpan? recoveredAt = null;
        while (clock.Elapsed - databaseBack < RecoveryLimit)
        {
            var recent = readiness.LastOrDefault();
            if (recent.At > databaseBack && recent.Status == 200)
            {
                recoveredAt = recent.At;
                break;
            }

            await Task.Delay(100);
        }

        try
        {
            // Some creates after the recovery.
            await Task.WhenAny(progress.WhenAcknowledged(progress.Acknowledged + 50), load).WaitAsync(RecoveryLimit);
        }
        catch (TimeoutException)
        {
            // A service that does not recover is reported below with everything else.
        }

        Volatile.Write(ref stopLoad, true);
        var attempts = await load;
        await stop.CancelAsync();
        await prober;

        // Counted before the retries below turn unanswered attempts into answered ones.
        var summary = $"{attempts.Count} requests, {attempts.Count(a => a.Acknowledged)} acknowledged; stop sent at {outageStart.TotalMilliseconds:F0} ms, down at {databaseDown.TotalMilliseconds:F0} ms until "
            + $"{outageEnd.TotalMilliseconds:F0} ms, database back at {databaseBack.TotalMilliseconds:F0} ms, ready again at {recoveredAt?.TotalMilliseconds:F0} ms";
        // Every property is checked and reported together: one outage run tells the whole story.
        var problems = new List<string>();
        if (process.HasExited)
        {
            problems.Add("the service process died during the database outage:\n" + process.RecentOutput());
        }

        if (recoveredAt is null)
        {
            problems.Add($"readiness not 200 within {RecoveryLimit} after PostgreSQL came back: "
                + string.Join(", ", readiness.Where(r => r.At > databaseBack).Take(20).Select(r => $"{r.At.TotalMilliseconds:F0}ms {r.Status}")));
        }

        var duringOutage = readiness.Where(r => r.At > databaseDown && r.Answered < outageEnd).ToList();
        if (duringOutage.Count == 0 || duringOutage.Any(r => r.Status != 503))
        {
            problems.Add("readiness during the outage (expected 503 throughout): "
                + string.Join(", ", duringOutage.Select(r => $"{r.At.TotalMilliseconds:F0}ms {r.Status}")));
        }

        var untyped = attempts.Where(a => !a.Acknowledged
            && (a.Response is null || a.Response.Status != 503 || Api.WhyNotTypedError(a.Response) is not null)).ToList();
        if (untyped.Count > 0)
        {
            problems.Add($"{untyped.Count} of {attempts.Count(a => !a.Acknowledged)} failures were not typed 503s, e.g.:\n"
                + string.Join("\n", untyped.GroupBy(a => a.Response?.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? a.TransportFailure)
                    .Select(g => $"{g.Count()} x {g.First()}")));
        }

        if (!attempts.Any(a => !a.Acknowledged))
        {
            problems.Add("no request hit the outage; the test proved nothing");
        }

        if (!attempts.Any(a => a.Acknowledged && a.Started > databaseBack))
        {
            problems.Add("no payment was created after PostgreSQL came back");
        }

        if (!process.HasExited)
        {
            var lost = await Invariants.AcknowledgedPaymentsSurviveAsync(client, attempts);
            problems.AddRange(lost.Take(20).Select(l => "acknowledged payment lost: " + l));
            var retried = await Invariants.RetryUnansweredAsync(client, attempts, TimeSpan.FromSeconds(60));
            problems.AddRange(retried.Take(20).Select(r => "retry failed: " + r));
            var (duplicates, payments) = await Invariants.ExactlyOnePaymentPerKeyAsync(client, attempts);
            problems.AddRange(duplicates.Take(20));
            problems.AddRange(await Invariants.BalanceMatchesPaymentsAsync(client, payments));
            problems.AddRange(await StoreChecks.JournalProblemsAsync(service));
            problems.AddRange(await StoreChecks.OutboxAndJournalMismatchesAsync(service));
        }

        Assert.True(problems.Count == 0, summary + "\n" + string.Join("\n", problems));
    }
}
