using System.Net;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Payments;

/// <summary>Another merchant's objects behave exactly like missing ones, on every route.</summary>
public abstract class TenantIsolationTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task Every_route_answers_another_merchants_payment_exactly_like_a_missing_one()
    {
        var open = (await CreatePaymentAsync(A, capture: false)).GetProperty("id").GetString()!;
        var captured = (await CreatePaymentAsync(A)).GetProperty("id").GetString()!;
        var missing = "pay_000000000000000000000000";

        foreach (var (id, method, path, body) in new[]
        {
            (open, "GET", "/v1/payments/{0}", (string?)null),
            (open, "POST", "/v1/payments/{0}/capture", null),
            (open, "POST", "/v1/payments/{0}/cancel", null),
            (captured, "POST", "/v1/payments/{0}/refunds", """{"amount": 1}"""),
            (captured, "GET", "/v1/payments/{0}/refunds", null),
        })
        {
            var foreign = await SendAsync(B, method, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, id), body);
            var absent = await SendAsync(B, method, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, missing), body);
            Assert.Equal(HttpStatusCode.NotFound, foreign.Status);
            Assert.Equal(absent.Body.Replace(missing, id, StringComparison.Ordinal), foreign.Body);
        }

        // And nothing happened to A's payments.
        Assert.Equal("requires_capture", (await GetAsync(A, $"/v1/payments/{open}")).Json.GetProperty("status").GetString());
        Assert.Equal(0, (await GetAsync(A, $"/v1/payments/{captured}")).Json.GetProperty("amount_refunded").GetInt64());
    }

    [Fact]
    public async Task Lists_and_balance_show_only_the_callers_own_objects()
    {
        var mine = (await CreatePaymentAsync(B, amount: 4321, currency: "gbp")).GetProperty("id").GetString();
        var theirs = (await CreatePaymentAsync(A, amount: 1234, currency: "chf")).GetProperty("id").GetString();

        var list = await GetAsync(B, "/v1/payments?limit=100");
        var ids = list.Json.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList();
        Assert.Contains(mine, ids);
        Assert.DoesNotContain(theirs, ids);

        var cursor = await GetAsync(B, $"/v1/payments?starting_after={theirs}");
        Assert.Equal(HttpStatusCode.BadRequest, cursor.Status);
        Assert.Equal("starting_after", cursor.ErrorParam);

        var balance = await GetAsync(B, "/v1/balance");
        var currencies = balance.Json.GetProperty("currencies").EnumerateArray().Select(c => c.GetProperty("currency").GetString()).ToList();
        Assert.Contains("gbp", currencies);
        Assert.DoesNotContain("chf", currencies);
    }

    [Fact]
    public async Task Idempotency_keys_are_scoped_per_merchant()
    {
        var key = "shared-" + Guid.NewGuid();

        var a = await PostAsync(A, "/v1/payments", PaymentBody(100), key);
        var b = await PostAsync(B, "/v1/payments", PaymentBody(100), key);

        Assert.Equal(HttpStatusCode.Created, a.Status);
        Assert.Equal(HttpStatusCode.Created, b.Status);
        Assert.NotEqual(a.Json.GetProperty("id").GetString(), b.Json.GetProperty("id").GetString());
        Assert.False(b.Headers.Contains("Idempotent-Replayed"));
    }

    private static async Task<Reply> SendAsync(HttpClient client, string method, string path, string? body) =>
        method == "GET" ? await GetAsync(client, path) : await PostAsync(client, path, body);
}

public sealed class TenantIsolationTestsSqlite(SqliteApiFixture fixture) : TenantIsolationTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class TenantIsolationTestsPostgres(PostgresApiFixture fixture) : TenantIsolationTests(fixture), IClassFixture<PostgresApiFixture>;
