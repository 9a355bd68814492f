using System.Collections.Concurrent;
using System.Diagnostics;

namespace Payments.FaultTests.Infrastructure;

/// <summary>One create-payment request of a load run, and what (if anything) answered it.</summary>
internal sealed class CreateAttempt(string key, long amount, string currency, bool capture)
{
    public string Key { get; } = key;

    public long Amount { get; } = amount;

    public string Currency { get; } = currency;

    public bool Capture { get; } = capture;

    public string Body { get; } = Api.PaymentBody(amount, currency, capture, key);

    /// <summary>Null when no HTTP answer came (connection refused or reset, timeout).</summary>
    public ApiResponse? Response { get; set; }

    public string? TransportFailure { get; set; }

    public TimeSpan Started { get; set; }

    public TimeSpan Finished { get; set; }

    public bool Acknowledged => Response is { IsSuccess: true };

    public override string ToString() => $"{Key} {Amount} {Currency} capture={Capture} -> {Response?.ToString() ?? TransportFailure}";
}

/// <summary>Acknowledged creates of a load run, so a test injects its fault while the load is under way, not after a guessed time.</summary>
internal sealed class LoadProgress
{
    private readonly Lock gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> waiters = [];
    private int acknowledged;

    public int Acknowledged
    {
        get
        {
            lock (gate)
            {
                return acknowledged;
            }
        }
    }

    /// <summary>Completes once <paramref name="count"/> creates have been acknowledged in all.</summary>
    public Task WhenAcknowledged(int count)
    {
        lock (gate)
        {
            if (acknowledged >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((count, reached));
            return reached.Task;
        }
    }

    public void OnAcknowledged()
    {
        lock (gate)
        {
            acknowledged++;
            foreach (var waiter in waiters.Where(w => w.Count <= acknowledged).ToList())
            {
                waiter.Reached.TrySetResult();
                waiters.Remove(waiter);
            }
        }
    }
}

/// <summary>
/// Concurrent clients creating payments with unique idempotency keys — bounded in count and in
/// time so a misbehaving service can never make a test hang.
/// </summary>
internal static class CreateLoad
{
    private static readonly string[] Currencies = ["usd", "eur", "gbp", "jpy"];

    public static async Task<IReadOnlyList<CreateAttempt>> RunAsync(
        HttpClient client,
        int clients,
        int maxRequestsPerClient,
        TimeSpan maxDuration,
        Func<bool> stopSending,
        string keyPrefix,
        int seed,
        Stopwatch clock,
        TimeSpan? pauseAfterFailure = null,
        LoadProgress? progress = null)
    {
        var attempts = new ConcurrentBag<CreateAttempt>();
        using var deadline = new CancellationTokenSource(maxDuration);
        var workers = Enumerable.Range(0, clients).Select(worker => Task.Run(async () =>
        {
#pragma warning disable CA5394 // Test data, not security: a seeded generator makes a failure reproducible.
            var random = new Random(seed + worker);
            for (var i = 0; i < maxRequestsPerClient && !deadline.IsCancellationRequested && !stopSending(); i++)
            {
                var currency = Currencies[random.Next(Currencies.Length)];
                var attempt = new CreateAttempt($"{keyPrefix}-{worker}-{i}", random.Next(1, 1_000_000), currency, random.Next(2) == 0);
#pragma warning restore CA5394
                attempts.Add(attempt);
                attempt.Started = clock.Elapsed;
                try
                {
                    attempt.Response = await Api.PostJsonAsync(client, "/v1/payments", attempt.Body, attempt.Key);
                }
                catch (HttpRequestException e)
                {
                    attempt.TransportFailure = e.InnerException?.Message ?? e.Message;
                }
                catch (TaskCanceledException)
                {
                    attempt.TransportFailure = "client timeout";
                }

                attempt.Finished = clock.Elapsed;
                if (attempt.Acknowledged)
                {
                    progress?.OnAcknowledged();
                }
                else if (pauseAfterFailure is { } pause)
                {
                    await Task.Delay(pause);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return [.. attempts.OrderBy(a => a.Started)];
    }
}
