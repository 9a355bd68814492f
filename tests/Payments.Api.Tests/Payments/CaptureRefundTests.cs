using System.Net;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Payments;

public abstract class CaptureRefundTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task Full_capture_succeeds_and_a_second_capture_is_rejected()
    {
        var id = (await CreatePaymentAsync(capture: false, amount: 1200)).GetProperty("id").GetString();

        var captured = await PostAsync(A, $"/v1/payments/{id}/capture", null);
        var again = await PostAsync(A, $"/v1/payments/{id}/capture", null);

        Assert.Equal(HttpStatusCode.OK, captured.Status);
        Assert.Equal("succeeded", captured.Json.GetProperty("status").GetString());
        Assert.Equal(1200, captured.Json.GetProperty("amount_captured").GetInt64());
        Assert.Equal(0, captured.Json.GetProperty("amount_capturable").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal("payment_unexpected_state", again.ErrorCode);
    }

    [Fact]
    public async Task Partial_capture_releases_the_rest()
    {
        var id = (await CreatePaymentAsync(capture: false, amount: 1000)).GetProperty("id").GetString();

        var captured = await PostAsync(A, $"/v1/payments/{id}/capture", """{"amount": 400}""");

        Assert.Equal(HttpStatusCode.OK, captured.Status);
        Assert.Equal(400, captured.Json.GetProperty("amount_captured").GetInt64());
        Assert.Equal(0, captured.Json.GetProperty("amount_capturable").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(A, $"/v1/payments/{id}/capture", """{"amount": 100}""")).Status);
        var refundTooMuch = await PostAsync(A, $"/v1/payments/{id}/refunds", """{"amount": 401}""");
        Assert.Equal(HttpStatusCode.BadRequest, refundTooMuch.Status);
        Assert.Equal("amount", refundTooMuch.ErrorParam);
    }

    [Fact]
    public async Task Capture_more_than_authorized_is_400_on_amount()
    {
        var id = (await CreatePaymentAsync(capture: false, amount: 1000)).GetProperty("id").GetString();

        var reply = await PostAsync(A, $"/v1/payments/{id}/capture", """{"amount": 1001}""");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("invalid_request_error", reply.ErrorType);
        Assert.Equal("amount", reply.ErrorParam);
        Assert.Equal("requires_capture", (await GetAsync(A, $"/v1/payments/{id}")).Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancel_before_capture_releases_and_cancel_after_capture_is_rejected()
    {
        var open = (await CreatePaymentAsync(capture: false, amount: 900)).GetProperty("id").GetString();
        var captured = (await CreatePaymentAsync(capture: true, amount: 900)).GetProperty("id").GetString();

        var canceled = await PostAsync(A, $"/v1/payments/{open}/cancel", null);
        var tooLate = await PostAsync(A, $"/v1/payments/{captured}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, canceled.Status);
        Assert.Equal("canceled", canceled.Json.GetProperty("status").GetString());
        Assert.Equal(0, canceled.Json.GetProperty("amount_capturable").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, tooLate.Status);
        Assert.Equal("payment_unexpected_state", tooLate.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(A, $"/v1/payments/{open}/capture", null)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(A, $"/v1/payments/{open}/refunds", null)).Status);
    }

    [Fact]
    public async Task Partial_refunds_repeat_until_the_captured_amount_is_used_up()
    {
        var id = (await CreatePaymentAsync(amount: 1000)).GetProperty("id").GetString();

        var first = await PostAsync(A, $"/v1/payments/{id}/refunds", """{"amount": 300, "reason": "requested_by_customer"}""");
        var second = await PostAsync(A, $"/v1/payments/{id}/refunds", """{"amount": 300}""");
        var rest = await PostAsync(A, $"/v1/payments/{id}/refunds", "{}");
        var more = await PostAsync(A, $"/v1/payments/{id}/refunds", """{"amount": 1}""");

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.StartsWith("re_", first.Json.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("refund", first.Json.GetProperty("object").GetString());
        Assert.Equal(id, first.Json.GetProperty("payment").GetString());
        Assert.Equal(300, first.Json.GetProperty("amount").GetInt64());
        Assert.Equal("succeeded", first.Json.GetProperty("status").GetString());
        Assert.Equal("requested_by_customer", first.Json.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.Equal(400, rest.Json.GetProperty("amount").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, more.Status);
        Assert.Equal(1000, (await GetAsync(A, $"/v1/payments/{id}")).Json.GetProperty("amount_refunded").GetInt64());

        var list = await GetAsync(A, $"/v1/payments/{id}/refunds");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal([rest.Json.GetProperty("id").GetString(), second.Json.GetProperty("id").GetString(), first.Json.GetProperty("id").GetString()],
            list.Json.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Refund_of_an_uncaptured_payment_is_rejected()
    {
        var id = (await CreatePaymentAsync(capture: false)).GetProperty("id").GetString();

        var reply = await PostAsync(A, $"/v1/payments/{id}/refunds", null);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("payment_unexpected_state", reply.ErrorCode);
    }

    [Fact]
    public async Task Concurrent_refunds_never_exceed_the_captured_amount()
    {
        var id = (await CreatePaymentAsync(amount: 1000)).GetProperty("id").GetString();

        var replies = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => PostAsync(A, $"/v1/payments/{id}/refunds", """{"amount": 100}""")));

        Assert.Equal(10, replies.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(replies.Where(r => r.Status != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.BadRequest, r.Status));
        Assert.Equal(1000, (await GetAsync(A, $"/v1/payments/{id}")).Json.GetProperty("amount_refunded").GetInt64());
    }

    [Fact]
    public async Task Concurrent_captures_capture_exactly_once()
    {
        var id = (await CreatePaymentAsync(capture: false, amount: 1000)).GetProperty("id").GetString();

        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => PostAsync(A, $"/v1/payments/{id}/capture", $$"""{"amount": {{500 + i}}}""")));

        var winner = Assert.Single(replies, r => r.Status == HttpStatusCode.OK);
        Assert.All(replies.Where(r => r != winner), r => Assert.Equal(HttpStatusCode.BadRequest, r.Status));
        Assert.Equal(winner.Json.GetProperty("amount_captured").GetInt64(), (await GetAsync(A, $"/v1/payments/{id}")).Json.GetProperty("amount_captured").GetInt64());
    }

    [Fact]
    public async Task Balance_is_derived_from_the_ledger_per_currency()
    {
        using var client = await NewMerchantClientAsync();
        var usd = (await CreatePaymentAsync(client, amount: 1000)).GetProperty("id").GetString();
        await CreatePaymentAsync(client, amount: 500);
        var eur = (await CreatePaymentAsync(client, amount: 800, currency: "eur", capture: false)).GetProperty("id").GetString();
        await PostAsync(client, $"/v1/payments/{eur}/capture", """{"amount": 300}""");
        await CreatePaymentAsync(client, amount: 5000, capture: false);
        await PostAsync(client, $"/v1/payments/{usd}/refunds", """{"amount": 250}""");

        var balance = await GetAsync(client, "/v1/balance");

        Assert.Equal(HttpStatusCode.OK, balance.Status);
        Assert.Equal("balance", balance.Json.GetProperty("object").GetString());
        var currencies = balance.Json.GetProperty("currencies").EnumerateArray().ToDictionary(c => c.GetProperty("currency").GetString()!);
        Assert.Equal(["eur", "usd"], currencies.Keys.Order());
        Assert.Equal(1500, currencies["usd"].GetProperty("captured").GetInt64());
        Assert.Equal(250, currencies["usd"].GetProperty("refunded").GetInt64());
        Assert.Equal(1250, currencies["usd"].GetProperty("net").GetInt64());
        Assert.Equal(300, currencies["eur"].GetProperty("captured").GetInt64());
        Assert.Equal(0, currencies["eur"].GetProperty("refunded").GetInt64());
        Assert.Equal(300, currencies["eur"].GetProperty("net").GetInt64());
    }

    [Fact]
    public async Task Each_movement_writes_one_journal_row_from_debit_to_credit()
    {
        var immediate = (await CreatePaymentAsync(capture: true, amount: 1000)).GetProperty("id").GetString()!;
        var held = (await CreatePaymentAsync(capture: false, amount: 900)).GetProperty("id").GetString()!;
        await PostAsync(A, $"/v1/payments/{held}/capture", """{"amount": 600}""");
        var refund = (await PostAsync(A, $"/v1/payments/{immediate}/refunds", """{"amount": 250}""")).Json.GetProperty("id").GetString();

        // Captured at creation: nothing was ever held, so no authorize/release pair that cancels out.
        Assert.Equal(
            ["capture acquirer_receivable merchant_captured 1000 ", $"refund merchant_refunds acquirer_receivable 250 {refund}"],
            await JournalAsync(immediate));
        Assert.Equal(
            ["authorize acquirer_receivable merchant_authorized 900 ", "capture merchant_authorized merchant_captured 600 ",
             "release merchant_authorized acquirer_receivable 300 "],
            await JournalAsync(held));
    }

    private Task<List<string>> JournalAsync(string paymentId) =>
        StoreSql.RowsAsync(Fixture.Factory.Services,
            $"SELECT movement, debit_account, credit_account, amount, refund_id FROM ledger_movements WHERE payment_id = '{paymentId}' ORDER BY id");

    private async Task<HttpClient> NewMerchantClientAsync()
    {
        var merchants = Fixture.Factory.Services.GetRequiredService<Api.Merchants.MerchantStore>();
        var key = await merchants.CreateKeyAsync("acct_" + Guid.NewGuid().ToString("N")[..12], CancellationToken.None);
        return Fixture.ClientWithKey(key);
    }
}

public sealed class CaptureRefundTestsSqlite(SqliteApiFixture fixture) : CaptureRefundTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class CaptureRefundTestsPostgres(PostgresApiFixture fixture) : CaptureRefundTests(fixture), IClassFixture<PostgresApiFixture>;
