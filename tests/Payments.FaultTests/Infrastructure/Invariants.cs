using System.Text.Json.Nodes;

namespace Payments.FaultTests.Infrastructure;

/// <summary>The money invariants every fault test ends with, checked through the public API.</summary>
internal static class Invariants
{
    /// <summary>Every payment answered 2xx can be read back with the amounts it was answered with.</summary>
    public static async Task<List<string>> AcknowledgedPaymentsSurviveAsync(HttpClient client, IEnumerable<CreateAttempt> attempts)
    {
        var problems = new List<string>();
        using var gate = new SemaphoreSlim(8);
        var checks = attempts.Where(a => a.Acknowledged).Select(async attempt =>
        {
            await gate.WaitAsync();
            try
            {
                var answered = attempt.Response!;
                var id = answered.Id;
                if (id is null)
                {
                    lock (problems) { problems.Add($"2xx without an id: {attempt}"); }
                    return;
                }

                var stored = await Api.GetAsync(client, "/v1/payments/" + id);
                var difference = stored.Status != 200
                    ? $"GET answered {stored}"
                    : Differences(answered.Json!, stored.Json!, attempt);
                if (difference is not null)
                {
                    lock (problems) { problems.Add($"{attempt.Key} ({id}): {difference}"); }
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(checks);
        return problems;
    }

    /// <summary>
    /// Retries each unanswered (or 5xx-answered) request with the same key and body until the
    /// service gives a definitive answer; the key's payment is then created exactly once.
    /// </summary>
    public static async Task<List<string>> RetryUnansweredAsync(HttpClient client, IEnumerable<CreateAttempt> attempts, TimeSpan budget)
    {
        var problems = new List<string>();
        using var deadline = new CancellationTokenSource(budget);
        using var gate = new SemaphoreSlim(8);
        var retries = attempts.Where(a => !a.Acknowledged).Select(async attempt =>
        {
            await gate.WaitAsync();
            try
            {
                ApiResponse? last = null;
                while (!deadline.IsCancellationRequested)
                {
                    last = await Api.PostJsonAsync(client, "/v1/payments", attempt.Body, attempt.Key);
                    // 409 idempotency_key_in_use: a request with this key is (still) in progress; wait for it.
                    if (last.Status is 409 or >= 500)
                    {
                        await Task.Delay(200);
                        continue;
                    }

                    break;
                }

                if (last is not { Status: 201 or 200 })
                {
                    lock (problems) { problems.Add($"retry of {attempt.Key} answered {last}"); }
                    return;
                }

                attempt.Response = last;
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(retries);
        return problems;
    }

    /// <summary>Every attempted key has exactly one payment, and there is no payment without a key.</summary>
    public static async Task<(List<string> Problems, List<JsonNode> Payments)> ExactlyOnePaymentPerKeyAsync(
        HttpClient client, IReadOnlyCollection<CreateAttempt> attempts)
    {
        var problems = new List<string>();
        var payments = await Api.ListAllPaymentsAsync(client);
        var byKey = payments.GroupBy(p => p["metadata"]?["fault_key"]?.GetValue<string>() ?? "(none)").ToDictionary(g => g.Key, g => g.ToList());
        foreach (var attempt in attempts)
        {
            var count = byKey.TryGetValue(attempt.Key, out var found) ? found.Count : 0;
            if (count != 1)
            {
                problems.Add($"key {attempt.Key} has {count} payments (expected exactly 1): {string.Join(", ", found?.Select(p => p["id"]) ?? [])}");
            }
            else if (attempt.Response?.Id is { } id && found![0]["id"]!.GetValue<string>() != id)
            {
                problems.Add($"key {attempt.Key} answered {id} but the stored payment is {found[0]["id"]}");
            }
        }

        var attempted = attempts.Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, list) in byKey.Where(kv => !attempted.Contains(kv.Key)))
        {
            problems.Add($"{list.Count} payment(s) with key {key} that no client sent");
        }

        return (problems, payments);
    }

    /// <summary>The balance (derived from the ledger) equals the sum over the payments themselves.</summary>
    public static async Task<List<string>> BalanceMatchesPaymentsAsync(HttpClient client, IEnumerable<JsonNode> payments)
    {
        var problems = new List<string>();
        var expected = payments
            .GroupBy(p => p["currency"]!.GetValue<string>())
            .ToDictionary(
                g => g.Key,
                g => (Captured: g.Sum(p => p["amount_captured"]!.GetValue<long>()), Refunded: g.Sum(p => p["amount_refunded"]!.GetValue<long>())));
        var balance = await Api.GetBalanceAsync(client);
        foreach (var (currency, sums) in expected)
        {
            balance.TryGetValue(currency, out var actual);
            if (actual.Captured != sums.Captured || actual.Refunded != sums.Refunded || actual.Net != sums.Captured - sums.Refunded)
            {
                problems.Add($"{currency}: balance says captured {actual.Captured}, refunded {actual.Refunded}, net {actual.Net}; "
                    + $"the payments say captured {sums.Captured}, refunded {sums.Refunded}");
            }
        }

        foreach (var (currency, actual) in balance.Where(b => !expected.ContainsKey(b.Key)))
        {
            if (actual.Captured != 0 || actual.Refunded != 0 || actual.Net != 0)
            {
                problems.Add($"{currency}: balance {actual} but no payment in that currency");
            }
        }

        return problems;
    }

    private static string? Differences(JsonNode answered, JsonNode stored, CreateAttempt attempt)
    {
        foreach (var property in new[] { "id", "amount", "currency", "status", "amount_captured", "amount_capturable", "amount_refunded" })
        {
            var a = answered[property]?.ToJsonString();
            var s = stored[property]?.ToJsonString();
            if (a != s)
            {
                return $"{property} was answered {a} but is stored {s}";
            }
        }

        if (stored["amount"]!.GetValue<long>() != attempt.Amount || stored["currency"]!.GetValue<string>() != attempt.Currency)
        {
            return $"stored {stored["amount"]} {stored["currency"]} but the request asked {attempt.Amount} {attempt.Currency}";
        }

        return null;
    }

    /// <summary>
    /// What must hold after a crash and a restart: every acknowledged payment reads back unchanged, every
    /// unanswered key retried ends with exactly one payment, and balance, journal and outbox agree.
    /// </summary>
    public static async Task AssertNothingAcknowledgedLostAsync(ServiceUnderTest service, HttpClient client, IReadOnlyCollection<CreateAttempt> attempts, string context)
    {
        var lost = await AcknowledgedPaymentsSurviveAsync(client, attempts);
        Assert.True(lost.Count == 0, $"acknowledged payments lost or changed {context}:\n" + string.Join("\n", lost.Take(20)));

        var retried = await RetryUnansweredAsync(client, attempts, TimeSpan.FromSeconds(60));
        Assert.True(retried.Count == 0, $"retries failed {context}:\n" + string.Join("\n", retried.Take(20)));

        var (duplicates, payments) = await ExactlyOnePaymentPerKeyAsync(client, attempts);
        Assert.True(duplicates.Count == 0, $"keys not created exactly once {context}:\n" + string.Join("\n", duplicates.Take(20)));

        var ledger = await BalanceMatchesPaymentsAsync(client, payments);
        Assert.True(ledger.Count == 0, $"ledger does not match {context}:\n" + string.Join("\n", ledger));

        var journal = await StoreChecks.JournalProblemsAsync(service);
        Assert.True(journal.Count == 0, $"journal has movements the service does not write {context}:\n" + string.Join("\n", journal));

        var rows = await StoreChecks.OutboxAndJournalMismatchesAsync(service);
        Assert.True(rows.Count == 0, $"outbox/journal rows disagree with the payments after the crash {context}:\n" + string.Join("\n", rows));
    }
}
