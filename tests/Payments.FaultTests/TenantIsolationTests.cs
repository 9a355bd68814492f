using Payments.FaultTests.Infrastructure;

namespace Payments.FaultTests;

/// <summary>
/// issue 6 item 6: merchant B calls every route with merchant A's ids and gets exactly what a missing
/// id gets (404), never A's data; A's payments are untouched; lists, balances and idempotency keys
/// are per merchant. The route list is checked against the service's OpenAPI document, so a new
/// route that takes an id fails this test until it is added to the matrix.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class TenantIsolationTests(PostgresFixture postgres)
{
    /// <summary>Every route that takes an id: (method, template, body).</summary>
    private static readonly (string Method, string Template, string? Body)[] IdRoutes =
    [
        ("GET", "/v1/payments/{id}", null),
        ("POST", "/v1/payments/{id}/capture", "{}"),
        ("POST", "/v1/payments/{id}/cancel", "{}"),
        ("POST", "/v1/payments/{id}/refunds", "{}"),
        ("GET", "/v1/payments/{id}/refunds", null),
        ("GET", "/v1/payments?starting_after={id}", null),
        ("GET", "/v1/events/{id}", null),
        ("GET", "/v1/events?starting_after={id}", null),
        ("GET", "/v1/webhook_endpoints/{id}", null),
        ("DELETE", "/v1/webhook_endpoints/{id}", null),
        ("GET", "/v1/webhook_endpoints/{id}/attempts", null),
        ("GET", "/v1/webhook_endpoints?starting_after={id}", null),
    ];

    [Theory]
    [InlineData(StoreKind.Postgres)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Every_route_with_another_merchants_id_answers_404_like_a_missing_id(StoreKind store)
    {
        await using var service = await ServiceUnderTest.CreateAsync(store, postgres);
        await service.StartAsync();
        var a = service.ClientFor(service.MerchantA);
        var b = service.ClientFor(service.MerchantB);

        var sharedKey = "tenant-" + Guid.NewGuid().ToString("N");
        var sharedBody = Api.PaymentBody(3_000, "usd", capture: true);
        var authorized = await Api.PostJsonAsync(a, "/v1/payments", Api.PaymentBody(5_000, "usd", capture: false));
        var captured = await Api.PostJsonAsync(a, "/v1/payments", sharedBody, sharedKey);
        Assert.True(authorized.Status == 201 && captured.Status == 201, $"{authorized} / {captured}");
        var refund = await Api.PostJsonAsync(a, $"/v1/payments/{captured.Id}/refunds", "{\"amount\":1000}");
        Assert.Equal(201, refund.Status);
        var own = await Api.PostJsonAsync(b, "/v1/payments", Api.PaymentBody(700, "eur", capture: true));
        Assert.Equal(201, own.Status);
        var before = await Snapshot(a);

        var eventsOfA = await Api.GetAsync(a, "/v1/events?limit=1");
        Assert.Equal(200, eventsOfA.Status);
        // An IP literal: the production URL rule accepts it without DNS; the event type keeps the worker from sending to it.
        var endpointOfA = await Api.PostJsonAsync(a, "/v1/webhook_endpoints", """{"url": "https://93.184.215.14/hook", "enabled_events": ["webhook_endpoint.disabled"]}""");
        Assert.True(endpointOfA.Status == 201, endpointOfA.ToString());
        var foreignIds = new[] { authorized.Id!, captured.Id!, refund.Id!, eventsOfA.Json!["data"]![0]!["id"]!.GetValue<string>(), endpointOfA.Id! };
        var failures = new List<string>();
        foreach (var (method, template, body) in IdRoutes)
        {
            var missing = await Call(b, method, template, "pay_" + Guid.NewGuid().ToString("N")[..24], body);
            foreach (var foreignId in foreignIds)
            {
                var answer = await Call(b, method, template, foreignId, body);
                // A foreign id in the path is 404; as a list cursor (starting_after) Stripe answers 400, which is
                // fine as long as it is exactly what a missing id gets.
                var allowed = template.Contains('?', StringComparison.Ordinal) ? new[] { 400, 404 } : [404];
                if (!allowed.Contains(answer.Status) || Api.WhyNotTypedError(answer) is not null)
                {
                    failures.Add($"B {method} {template} with A's {foreignId}: expected a typed {string.Join(" or ", allowed)}, got {answer}");
                }
                else if (answer.Status != missing.Status || answer.ErrorType != missing.ErrorType || answer.ErrorCode != missing.ErrorCode)
                {
                    failures.Add($"B {method} {template}: A's id answers {answer} but a missing id answers {missing} — the difference leaks existence");
                }

                foreach (var secret in new[] { "5000", "3000", service.MerchantA.Id })
                {
                    if (answer.Raw.Contains(secret, StringComparison.Ordinal))
                    {
                        failures.Add($"B {method} {template} with A's {foreignId}: the answer contains A's data ({secret}): {answer}");
                    }
                }
            }
        }

        // Lists and balances are per merchant.
        var listedForB = await Api.ListAllPaymentsAsync(b);
        Assert.Equal([own.Id!], listedForB.Select(p => p["id"]!.GetValue<string>()));
        var balanceB = await Api.GetBalanceAsync(b);
        Assert.DoesNotContain("usd", balanceB.Where(kv => kv.Value.Captured != 0).Select(kv => kv.Key));
        Assert.Equal(700, balanceB["eur"].Captured);

        // The same idempotency key and body from B is B's own new request, not a replay of A's payment.
        var sameKeyFromB = await Api.PostJsonAsync(b, "/v1/payments", sharedBody, sharedKey);
        Assert.True(sameKeyFromB.Status == 201 && !sameKeyFromB.Replayed && sameKeyFromB.Id != captured.Id,
            $"B reusing A's idempotency key got {sameKeyFromB}");

        // Nothing B did changed A's payments or deleted A's webhook endpoint.
        var after = await Snapshot(a);
        Assert.Equal(before, after);
        Assert.Equal(200, (await Api.GetAsync(a, $"/v1/webhook_endpoints/{endpointOfA.Id}")).Status);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await AssertMatrixCoversEveryRoute(service.AnonymousClient());
    }

    private static Task<ApiResponse> Call(HttpClient client, string method, string template, string id, string? body)
    {
        var path = template.Replace("{id}", Uri.EscapeDataString(id), StringComparison.Ordinal);
        return method switch
        {
            "GET" => Api.GetAsync(client, path),
            "DELETE" => Api.SendAsync(client, HttpMethod.Delete, path, null),
            _ => Api.PostJsonAsync(client, path, body),
        };
    }

    private static async Task<string> Snapshot(HttpClient client)
    {
        var payments = await Api.ListAllPaymentsAsync(client);
        var refunds = new List<string>();
        foreach (var payment in payments)
        {
            var listed = await Api.GetAsync(client, $"/v1/payments/{payment["id"]}/refunds");
            refunds.Add(listed.Raw);
        }

        return string.Join("\n", payments.Select(p => p.ToJsonString())) + "\n" + string.Join("\n", refunds)
            + "\n" + (await Api.GetAsync(client, "/v1/balance")).Raw;
    }

    private static async Task AssertMatrixCoversEveryRoute(HttpClient anonymous)
    {
        var document = await Api.GetAsync(anonymous, "/openapi/v1.json");
        Assert.True(document.Status == 200, $"the OpenAPI document is the list of routes the matrix must cover: {document}");
        var covered = IdRoutes.Select(r => (r.Method, r.Template.Split('?')[0])).ToHashSet();
        var uncovered = new List<string>();
        foreach (var (path, item) in document.Json!["paths"]!.AsObject())
        {
            if (!path.Contains('{', StringComparison.Ordinal))
            {
                continue;
            }

            var normalized = System.Text.RegularExpressions.Regex.Replace(path, "\\{[^}]+\\}", "{id}");
            foreach (var (method, _) in item!.AsObject())
            {
                if (!covered.Contains((method.ToUpperInvariant(), normalized)))
                {
                    uncovered.Add($"{method.ToUpperInvariant()} {path}");
                }
            }
        }

        Assert.True(uncovered.Count == 0, "routes with ids that the isolation matrix does not test: " + string.Join(", ", uncovered));
    }
}
