using Payments.FaultTests.Infrastructure;

namespace Payments.FaultTests;

/// <summary>
/// issue 6 item 4: 100 concurrent requests over 10 idempotency keys create exactly 10 payments, and
/// concurrent captures, cancels and refunds of one payment never move more money than it holds.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class IdempotencyStormTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(StoreKind.Postgres)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Hundred_concurrent_requests_over_ten_keys_create_exactly_ten_payments(StoreKind store)
    {
        await using var service = await ServiceUnderTest.CreateAsync(store, postgres);
        await service.StartAsync();
        var client = service.ClientFor(service.MerchantA);
        var prefix = "storm-" + Guid.NewGuid().ToString("N")[..8];
        var keys = Enumerable.Range(0, 10).Select(i => $"{prefix}-{i}").ToArray();
        var bodies = keys.ToDictionary(k => k, k => Api.PaymentBody(1_000 + Array.IndexOf(keys, k), "usd", capture: true, k));

        var answers = await Concurrently(100, i => Api.PostJsonAsync(client, "/v1/payments", bodies[keys[i % 10]], keys[i % 10]));

        var problems = new List<string>();
        foreach (var (answer, i) in answers.Select((a, i) => (a, i)))
        {
            var allowed = answer.Status == 201
                // The contract fixes the code of the in-flight refusal, not its type; either typed form is a correct refusal.
                || (answer.Status == 409 && answer.ErrorType is "idempotency_error" or "invalid_request_error"
                    && answer.ErrorCode == "idempotency_key_in_use");
            if (!allowed)
            {
                problems.Add($"request {i} (key {keys[i % 10]}): {answer}");
            }
        }

        Assert.True(problems.Count == 0, "answers other than 201 or 409 idempotency_key_in_use:\n" + string.Join("\n", problems));
        for (var k = 0; k < keys.Length; k++)
        {
            var ids = answers.Where((a, i) => i % 10 == k && a.Status == 201).Select(a => a.Id).Distinct().ToList();
            Assert.True(ids.Count == 1, $"key {keys[k]} answered with payments {string.Join(", ", ids)}");
            Assert.Single(answers.Where((a, i) => i % 10 == k && a.Status == 201 && !a.Replayed));
            // A retry after the storm replays the same payment.
            var retry = await Api.PostJsonAsync(client, "/v1/payments", bodies[keys[k]], keys[k]);
            Assert.True(retry.Status == 201 && retry.Replayed && retry.Id == ids[0], $"retry of {keys[k]}: {retry}");
        }

        var payments = await Api.ListAllPaymentsAsync(client);
        Assert.Equal(10, payments.Count);
        Assert.Equal(keys.Order(StringComparer.Ordinal), payments.Select(p => p["metadata"]!["fault_key"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Empty(await Invariants.BalanceMatchesPaymentsAsync(client, payments));
        Assert.Empty(await StoreChecks.JournalProblemsAsync(service));
    }

    [Theory]
    [InlineData(StoreKind.Postgres)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Capture_cancel_and_refund_races_never_exceed_the_payment(StoreKind store)
    {
        await using var service = await ServiceUnderTest.CreateAsync(store, postgres);
        await service.StartAsync();
        var client = service.ClientFor(service.MerchantA);

        // 20 concurrent partial captures of an authorization: one wins, the rest is refused.
        var authorized = await Create(client, 10_000, capture: false);
        var captures = await Concurrently(20, i => Api.PostJsonAsync(client, $"/v1/payments/{authorized}/capture", $"{{\"amount\":{1_000 + (i * 300)}}}"));
        AssertOnlyTypedRefusals(captures, okStatus: 200);
        var winners = captures.Where(c => c.Status == 200).ToList();
        Assert.Single(winners);
        var captured = await Api.GetAsync(client, "/v1/payments/" + authorized);
        Assert.Equal(winners[0].Long("amount_captured"), captured.Long("amount_captured"));
        Assert.True(captured.Long("amount_captured") <= 10_000);
        Assert.Equal("succeeded", captured.String("status"));

        // Capture against cancel on the same authorization: exactly one of them happens.
        for (var round = 0; round < 5; round++)
        {
            var contested = await Create(client, 5_000, capture: false);
            var race = await Concurrently(10, i => Api.PostJsonAsync(
                client, $"/v1/payments/{contested}/{(i % 2 == 0 ? "capture" : "cancel")}", "{}"));
            AssertOnlyTypedRefusals(race, okStatus: 200);
            var outcome = await Api.GetAsync(client, "/v1/payments/" + contested);
            var wonCaptures = race.Where((r, i) => i % 2 == 0 && r.Status == 200).Count();
            var wonCancels = race.Where((r, i) => i % 2 == 1 && r.Status == 200).Count();
            Assert.True(wonCaptures + wonCancels >= 1, "neither capture nor cancel succeeded: " + string.Join(" | ", race));
            Assert.True(
                (outcome.String("status") == "succeeded" && wonCaptures == 1 && wonCancels == 0 && outcome.Long("amount_captured") == 5_000)
                || (outcome.String("status") == "canceled" && wonCaptures == 0 && outcome.Long("amount_captured") == 0),
                $"capture/cancel race ended {outcome} after {wonCaptures} captures and {wonCancels} cancels");
        }

        // 40 concurrent refunds of 700 on a 10,000 payment: at most 14 fit, the ledger shows exactly those.
        var paid = await Create(client, 10_000, capture: true);
        var refunds = await Concurrently(40, i => Api.PostJsonAsync(client, $"/v1/payments/{paid}/refunds", "{\"amount\":700}"));
        AssertOnlyTypedRefusals(refunds, okStatus: 201);
        var accepted = refunds.Count(r => r.Status == 201);
        Assert.True(accepted == 14, $"{accepted} of 40 concurrent refunds of 700 on 10,000 accepted (exactly 14 fit); answers:\n"
            + string.Join("\n", refunds.GroupBy(r => $"{r.Status} {r.ErrorCode} {r.Json?["error"]?["message"]}").Select(g => $"{g.Count()} x {g.Key}")));
        var afterRefunds = await Api.GetAsync(client, "/v1/payments/" + paid);
        Assert.Equal(14 * 700, afterRefunds.Long("amount_refunded"));
        // limit=100: the default page (Stripe's 10) would hide refunds.
        var listed = await Api.GetAsync(client, $"/v1/payments/{paid}/refunds?limit=100");
        Assert.True(listed.Status == 200, listed.ToString());
        Assert.Equal(14, listed.Json!["data"]!.AsArray().Count);
        Assert.Equal(14 * 700, listed.Json["data"]!.AsArray().Sum(r => r!["amount"]!.GetValue<long>()));
        var last = await Api.PostJsonAsync(client, $"/v1/payments/{paid}/refunds", "{\"amount\":200}");
        Assert.Equal(201, last.Status);
        var over = await Api.PostJsonAsync(client, $"/v1/payments/{paid}/refunds", "{\"amount\":1}");
        Assert.Equal(400, over.Status);
        Assert.Null(Api.WhyNotTypedError(over));

        var payments = await Api.ListAllPaymentsAsync(client);
        Assert.Empty(await Invariants.BalanceMatchesPaymentsAsync(client, payments));
        Assert.Empty(await StoreChecks.JournalProblemsAsync(service));
    }

    private static async Task<string> Create(HttpClient client, long amount, bool capture)
    {
        var created = await Api.PostJsonAsync(client, "/v1/payments", Api.PaymentBody(amount, "usd", capture), Guid.NewGuid().ToString());
        Assert.True(created.Status == 201, created.ToString());
        return created.Id!;
    }

    /// <summary>Losers of a race get a typed 4xx (400 or 409), never a 5xx or an untyped answer.</summary>
    private static void AssertOnlyTypedRefusals(IEnumerable<ApiResponse> answers, int okStatus)
    {
        var wrong = answers.Where(a => a.Status != okStatus && (a.Status is not (400 or 409) || Api.WhyNotTypedError(a) is not null)).ToList();
        Assert.True(wrong.Count == 0, "race losers must get a typed 400/409:\n" + string.Join("\n", wrong));
    }

    /// <summary>Starts all requests together behind a gate so they really overlap.</summary>
    private static async Task<ApiResponse[]> Concurrently(int count, Func<int, Task<ApiResponse>> send)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await gate.Task;
            return await send(i);
        }).ToArray();
        gate.SetResult();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await Task.WhenAll(tasks).WaitAsync(timeout.Token);
    }

}
