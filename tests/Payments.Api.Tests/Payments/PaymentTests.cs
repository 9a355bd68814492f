using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Payments.Api.Acquiring;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Payments;

public abstract class PaymentTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task Create_with_capture_returns_a_succeeded_payment_in_the_documented_shape()
    {
        var reply = await PostAsync(A, "/v1/payments", PaymentBody(2500, extra: """, "description": "order 7", "metadata": {"order_id": "7"}"""));

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal("application/json", reply.ContentType);
        var payment = reply.Json;
        Assert.StartsWith("pay_", payment.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(28, payment.GetProperty("id").GetString()!.Length);
        Assert.Equal("payment", payment.GetProperty("object").GetString());
        Assert.Equal("succeeded", payment.GetProperty("status").GetString());
        Assert.Equal(2500, payment.GetProperty("amount").GetInt64());
        Assert.Equal(0, payment.GetProperty("amount_capturable").GetInt64());
        Assert.Equal(2500, payment.GetProperty("amount_captured").GetInt64());
        Assert.Equal(0, payment.GetProperty("amount_refunded").GetInt64());
        Assert.Equal("usd", payment.GetProperty("currency").GetString());
        var card = payment.GetProperty("card");
        Assert.Equal("visa", card.GetProperty("brand").GetString());
        Assert.Equal("4242", card.GetProperty("last4").GetString());
        Assert.Equal(12, card.GetProperty("exp_month").GetInt32());
        Assert.Equal(DateTime.UtcNow.Year + 3, card.GetProperty("exp_year").GetInt32());
        Assert.False(card.TryGetProperty("number", out _));
        Assert.False(card.TryGetProperty("cvc", out _));
        Assert.Equal("order 7", payment.GetProperty("description").GetString());
        Assert.Equal("7", payment.GetProperty("metadata").GetProperty("order_id").GetString());
        Assert.InRange(payment.GetProperty("created").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Create_without_capture_requires_capture()
    {
        var payment = await CreatePaymentAsync(capture: false, amount: 700);

        Assert.Equal("requires_capture", payment.GetProperty("status").GetString());
        Assert.Equal(700, payment.GetProperty("amount_capturable").GetInt64());
        Assert.Equal(0, payment.GetProperty("amount_captured").GetInt64());
    }

    [Fact]
    public async Task Get_returns_the_same_payment_that_create_returned()
    {
        var created = await PostAsync(A, "/v1/payments", PaymentBody(extra: """, "metadata": {"k": "v", "n": ""}"""));

        var fetched = await GetAsync(A, "/v1/payments/" + created.Json.GetProperty("id").GetString());

        Assert.Equal(HttpStatusCode.OK, fetched.Status);
        Assert.Equal(created.Body, fetched.Body);
    }

    [Fact]
    public async Task Unknown_payment_is_404_resource_missing()
    {
        var reply = await GetAsync(A, "/v1/payments/pay_doesnotexist");

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal("invalid_request_error", reply.ErrorType);
        Assert.Equal("resource_missing", reply.ErrorCode);
    }

    [Theory]
    [InlineData("4000000000000002", "card_declined", "generic_decline")]
    [InlineData("4000000000009995", "card_declined", "insufficient_funds")]
    [InlineData("4000000000000069", "expired_card", "expired_card")]
    public async Task Declined_card_is_402_card_error_and_the_payment_is_recorded_as_failed(string number, string code, string declineCode)
    {
        var reply = await PostAsync(A, "/v1/payments", PaymentBody(number: number));

        Assert.Equal(HttpStatusCode.PaymentRequired, reply.Status);
        Assert.Equal("card_error", reply.ErrorType);
        Assert.Equal(code, reply.ErrorCode);
        Assert.Equal(declineCode, reply.Json.GetProperty("error").GetProperty("decline_code").GetString());
        var paymentId = reply.Json.GetProperty("error").GetProperty("payment_id").GetString();
        var payment = (await GetAsync(A, "/v1/payments/" + paymentId)).Json;
        Assert.Equal("failed", payment.GetProperty("status").GetString());
        Assert.Equal(0, payment.GetProperty("amount_captured").GetInt64());
        Assert.Equal(code, payment.GetProperty("failure_code").GetString());
    }

    [Fact]
    public async Task Zero_decimal_and_three_decimal_currencies_take_integer_minor_units()
    {
        var yen = await CreatePaymentAsync(amount: 500, currency: "jpy");
        var dinar = await CreatePaymentAsync(amount: 1500, currency: "kwd");

        Assert.Equal(500, yen.GetProperty("amount").GetInt64());
        Assert.Equal("jpy", yen.GetProperty("currency").GetString());
        Assert.Equal("kwd", dinar.GetProperty("currency").GetString());
    }

    [Fact]
    public async Task List_is_newest_first_and_pages_with_starting_after()
    {
        using var client = await NewMerchantClientAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await CreatePaymentAsync(client, amount: 100 + i)).GetProperty("id").GetString()!);
        }

        var first = await GetAsync(client, "/v1/payments?limit=2");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("list", first.Json.GetProperty("object").GetString());
        Assert.True(first.Json.GetProperty("has_more").GetBoolean());
        var firstIds = first.Json.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList();
        Assert.Equal([ids[4], ids[3]], firstIds);

        var second = await GetAsync(client, $"/v1/payments?limit=2&starting_after={ids[3]}");
        Assert.Equal([ids[2], ids[1]], second.Json.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList());
        Assert.True(second.Json.GetProperty("has_more").GetBoolean());

        var last = await GetAsync(client, $"/v1/payments?starting_after={ids[1]}");
        Assert.Equal([ids[0]], last.Json.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList());
        Assert.False(last.Json.GetProperty("has_more").GetBoolean());

        var all = await GetAsync(client, "/v1/payments");
        Assert.Equal(5, all.Json.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Card_number_and_cvc_are_never_stored()
    {
        const string number = "5555555555554444";
        var reply = await PostAsync(A, "/v1/payments", PaymentBody(number: number).Replace("\"123\"", "\"987\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal("mastercard", reply.Json.GetProperty("card").GetProperty("brand").GetString());

        await using var connection = await Fixture.Factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        foreach (var (table, columns) in new[]
        {
            ("payments", "id || card_fingerprint || metadata || card_last4"),
            ("transaction_log", "payload"),
            ("idempotency_keys", "response_body"),
        })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE {columns} LIKE '%{number}%' OR {columns} LIKE '%\"987\"%'";
            Assert.Equal(0L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Every_state_change_appends_one_event_to_the_transaction_log_in_the_same_transaction()
    {
        var payment = await CreatePaymentAsync(capture: false, amount: 1000);
        var id = payment.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(A, $"/v1/payments/{id}/capture", """{"amount": 600}""")).Status);
        var refund = await PostAsync(A, $"/v1/payments/{id}/refunds", """{"amount": 100}""");

        await using var connection = await Fixture.Factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT event_id, event_type, object_id, payload, merchant_id FROM transaction_log WHERE object_id IN (@p, @r) ORDER BY seq";
        Db.AddParameter(command, "p", id);
        Db.AddParameter(command, "r", refund.Json.GetProperty("id").GetString());
        var events = new List<(string Id, string Type, string Object, JsonElement Payload, string Merchant)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                events.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), JsonDocument.Parse(reader.GetString(3)).RootElement, reader.GetString(4)));
            }
        }

        Assert.Equal(["payment.authorized", "payment.captured", "payment.released", "refund.succeeded"], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Matches("^evt_[0-9A-Za-z]{24}$", e.Id));
        Assert.All(events, e => Assert.Equal(ApiFixture.MerchantAId, e.Merchant));
        Assert.Equal("requires_capture", events[0].Payload.GetProperty("status").GetString());
        Assert.Equal(600, events[1].Payload.GetProperty("amount_captured").GetInt64());
        Assert.Equal("refund", events[3].Payload.GetProperty("object").GetString());
    }

    private async Task<HttpClient> NewMerchantClientAsync()
    {
        var merchants = Fixture.Factory.Services.GetRequiredService<Api.Merchants.MerchantStore>();
        var key = await merchants.CreateKeyAsync("acct_" + Guid.NewGuid().ToString("N")[..12], CancellationToken.None);
        return Fixture.ClientWithKey(key);
    }

    [Fact]
    public async Task Another_acquirer_plugged_into_the_seam_decides_the_outcome()
    {
        using var factory = Fixture.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton<IAcquirer>(new DecliningAcquirer())));
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        using var content = new StringContent(PaymentBody(5151), Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(new Uri("/v1/payments", UriKind.Relative), content);
        var reply = await Reply.ReadAsync(response);

        Assert.Equal(HttpStatusCode.PaymentRequired, reply.Status);
        Assert.Equal("card_error", reply.ErrorType);
        Assert.Equal("processing_error", reply.ErrorCode);
        Assert.Equal("try_again_later", reply.Json.GetProperty("error").GetProperty("decline_code").GetString());
        var payment = (await GetAsync(A, "/v1/payments/" + reply.Json.GetProperty("error").GetProperty("payment_id").GetString())).Json;
        Assert.Equal("failed", payment.GetProperty("status").GetString());
    }

    private sealed class DecliningAcquirer : IAcquirer
    {
        public ValueTask<AuthorizationResult> AuthorizeAsync(CardDetails card, long amount, string currency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new AuthorizationResult(false, "processing_error", "try_again_later", "The acquirer is unavailable."));

        // It never approves, so there is never anything to void.
        public ValueTask VoidAsync(string authorizationId, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"nothing was authorized, {authorizationId} cannot be voided");
    }
}

public sealed class PaymentTestsSqlite(SqliteApiFixture fixture) : PaymentTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class PaymentTestsPostgres(PostgresApiFixture fixture) : PaymentTests(fixture), IClassFixture<PostgresApiFixture>;
