using System.Collections.Concurrent;
using System.Diagnostics;
using Payments.FaultTests.Infrastructure;

namespace Payments.FaultTests;

/// <summary>
/// issue 6 item 2: SIGTERM under load. Readiness turns 503 first; the clients (acting as the load
/// balancer, which stops routing when readiness fails) stop sending; every request already sent is
/// answered 2xx; the process exits by itself with code 0 within the shutdown timeout (20 s).
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class GracefulShutdownTests(PostgresFixture postgres)
{
    private const int Clients = 16;
    // Real clock: the prober must see a 503 and the clients stop within it, under load on a busy machine, where one
    // probe can time out (2 s) and the next still needs an answer; 8 s leaves 12 s of the shutdown timeout for the rest.
    private const int DrainDelaySeconds = 8;

    /// <summary>ServiceContract.ShutdownTimeoutSeconds — the contract the platform's stop timeout is built on.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(StoreKind.Postgres)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Sigterm_under_load_turns_readiness_503_first_and_finishes_every_request(StoreKind store)
    {
        await using var service = await ServiceUnderTest.CreateAsync(store, postgres);
        // The drain delay is how long the service keeps serving after readiness turns 503, so the
        // load balancer (here: the prober and the clients) can notice and stop routing to it.
        await service.StartAsync(new Dictionary<string, string> { ["Payments__Shutdown__DrainDelaySeconds"] = DrainDelaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var client = service.ClientFor(service.MerchantA);
        var probe = service.AnonymousClient(TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();
        var seed = Environment.TickCount;
        // Ticks of the clock, -1 until it happens; shared with the prober and the clients.
        long sigtermTicks = -1;
        long notReadyTicks = -1;
        var readiness = new ConcurrentQueue<(TimeSpan At, string Answer)>();
        using var stopProbing = new CancellationTokenSource(TimeSpan.FromSeconds(40));

        var prober = Task.Run(async () =>
        {
            while (!stopProbing.IsCancellationRequested && !service.Running.HasExited)
            {
                string answer;
                try
                {
                    using var response = await probe.GetAsync(new Uri("/healthz/ready", UriKind.Relative), stopProbing.Token);
                    answer = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (answer == "503" && Interlocked.Read(ref sigtermTicks) >= 0)
                    {
                        Interlocked.CompareExchange(ref notReadyTicks, clock.Elapsed.Ticks, -1);
                    }
                }
                catch (HttpRequestException e)
                {
                    answer = "no answer: " + (e.InnerException?.Message ?? e.Message);
                }
                catch (OperationCanceledException)
                {
                    answer = "timeout";
                }

                readiness.Enqueue((clock.Elapsed, answer));
                await Task.Delay(20);
            }
        });

        var progress = new LoadProgress();
        var load = CreateLoad.RunAsync(
            client, Clients, maxRequestsPerClient: 2_000, maxDuration: TimeSpan.FromSeconds(25),
            stopSending: () => Interlocked.Read(ref notReadyTicks) >= 0, keyPrefix: $"term-{seed}", seed, clock, progress: progress);
        // SIGTERM once the load is under way (the clients keep sending until readiness turns 503).
        await Task.WhenAny(progress.WhenAcknowledged(100), load);
        var sigtermAt = clock.Elapsed;
        Interlocked.Exchange(ref sigtermTicks, sigtermAt.Ticks);
        await service.Running.SendSigtermAsync();
        var attempts = await load;
        var leftOfTimeout = ShutdownTimeout - (clock.Elapsed - sigtermAt);
        var exited = await service.Running.WaitForExitAsync(leftOfTimeout > TimeSpan.Zero ? leftOfTimeout : TimeSpan.FromMilliseconds(1));
        var exitedAt = clock.Elapsed;
        await stopProbing.CancelAsync();
        await prober;

        var timeline = string.Join(", ", readiness.Where(r => r.At >= sigtermAt).Take(30).Select(r => $"{r.At.TotalMilliseconds:F0}ms {r.Answer}"));
        var context = $"(SIGTERM at {sigtermAt.TotalMilliseconds:F0} ms; readiness after it: {timeline})";
        Assert.True(exited, $"the service did not exit within {ShutdownTimeout} of SIGTERM {context}\n{service.Running.RecentOutput()}");
        Assert.True(Interlocked.Read(ref notReadyTicks) >= 0, $"readiness never answered 503 between SIGTERM and exit {context}");
        Assert.Equal(0, service.Running.ExitCode);
        Assert.True(exitedAt - sigtermAt <= ShutdownTimeout, $"exit took {exitedAt - sigtermAt}");

        var failed = attempts.Where(a => !a.Acknowledged).ToList();
        Assert.True(attempts.Any(a => a.Finished > sigtermAt), "no request was in flight at SIGTERM; the test proved nothing");
        Assert.True(failed.Count == 0, $"{failed.Count} of {attempts.Count} requests failed around SIGTERM {context}:\n"
            + string.Join("\n", failed.Take(20).Select(a => $"{a.Started.TotalMilliseconds:F0}-{a.Finished.TotalMilliseconds:F0}ms {a}")));

        await service.StartAsync();
        var lost = await Invariants.AcknowledgedPaymentsSurviveAsync(client, attempts);
        Assert.True(lost.Count == 0, "acknowledged payments lost after a graceful stop:\n" + string.Join("\n", lost.Take(20)));
        var (duplicates, payments) = await Invariants.ExactlyOnePaymentPerKeyAsync(client, attempts);
        Assert.True(duplicates.Count == 0, string.Join("\n", duplicates.Take(20)));
        var ledger = await Invariants.BalanceMatchesPaymentsAsync(client, payments);
        Assert.True(ledger.Count == 0, string.Join("\n", ledger));
    }
}
