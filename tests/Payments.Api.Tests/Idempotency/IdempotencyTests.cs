using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Payments.Api.Http;
using Payments.Api.Idempotency;
using Payments.Api.Payments;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Idempotency;

public abstract class IdempotencyTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task Same_key_and_request_replays_the_first_response_with_the_replayed_header()
    {
        var key = NewKey();
        var body = PaymentBody(3100);

        var first = await PostAsync(A, "/v1/payments", body, key);
        var second = await PostAsync(A, "/v1/payments", body, key);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM payments WHERE amount = 3100"));
    }

    [Fact]
    public async Task Same_key_with_a_different_body_or_path_is_an_idempotency_error()
    {
        var key = NewKey();
        var created = await PostAsync(A, "/v1/payments", PaymentBody(3200), key);
        var id = created.Json.GetProperty("id").GetString();

        var otherBody = await PostAsync(A, "/v1/payments", PaymentBody(3201), key);
        var otherPath = await PostAsync(A, $"/v1/payments/{id}/refunds", null, key);

        Assert.Equal(HttpStatusCode.BadRequest, otherBody.Status);
        Assert.Equal("idempotency_error", otherBody.ErrorType);
        Assert.Equal(HttpStatusCode.BadRequest, otherPath.Status);
        Assert.Equal("idempotency_error", otherPath.ErrorType);
        Assert.Equal(0, (await GetAsync(A, $"/v1/payments/{id}")).Json.GetProperty("amount_refunded").GetInt64());
    }

    [Fact]
    public async Task Forty_concurrent_requests_with_one_key_create_exactly_one_payment()
    {
        var key = NewKey();
        var body = PaymentBody(3300);

        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => PostAsync(A, "/v1/payments", body, key))));

        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM payments WHERE amount = 3300"));
        var created = replies.Where(r => r.Status == HttpStatusCode.Created).ToList();
        Assert.NotEmpty(created);
        Assert.Single(created.Select(r => r.Json.GetProperty("id").GetString()).Distinct());
        Assert.All(replies.Where(r => r.Status != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.Status);
            Assert.Equal("idempotency_error", r.ErrorType);
            Assert.Equal("idempotency_key_in_use", r.ErrorCode);
        });
        Assert.Single(created, r => !r.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task A_key_in_flight_is_409_idempotency_key_in_use()
    {
        var key = NewKey();
        var inFlight = Fixture.Factory.Services.GetRequiredService<InFlightKeys>();
        Assert.True(inFlight.TryEnter(ApiFixture.MerchantAId, key));
        try
        {
            var reply = await PostAsync(A, "/v1/payments", PaymentBody(3400), key);

            Assert.Equal(HttpStatusCode.Conflict, reply.Status);
            Assert.Equal("idempotency_key_in_use", reply.ErrorCode);
        }
        finally
        {
            inFlight.Exit(ApiFixture.MerchantAId, key);
        }

        Assert.Equal(HttpStatusCode.Created, (await PostAsync(A, "/v1/payments", PaymentBody(3400), key)).Status);
    }

    [Fact]
    public async Task Requests_that_fail_validation_are_not_stored()
    {
        var key = NewKey();

        var invalid = await PostAsync(A, "/v1/payments", PaymentBody(0), key);
        var valid = await PostAsync(A, "/v1/payments", PaymentBody(3500), key);

        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(HttpStatusCode.Created, valid.Status);
        Assert.False(valid.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task A_decline_is_replayed_as_the_same_402()
    {
        var key = NewKey();
        var body = PaymentBody(3600, number: "4000000000000002");

        var first = await PostAsync(A, "/v1/payments", body, key);
        var second = await PostAsync(A, "/v1/payments", body, key);

        Assert.Equal(HttpStatusCode.PaymentRequired, first.Status);
        Assert.Equal(HttpStatusCode.PaymentRequired, second.Status);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM payments WHERE amount = 3600"));
    }

    [Fact]
    public async Task Capture_and_refund_replays_do_not_move_money_twice()
    {
        var id = (await CreatePaymentAsync(capture: false, amount: 3700)).GetProperty("id").GetString();
        var captureKey = NewKey();
        var refundKey = NewKey();

        var capture1 = await PostAsync(A, $"/v1/payments/{id}/capture", """{"amount": 3000}""", captureKey);
        var capture2 = await PostAsync(A, $"/v1/payments/{id}/capture", """{"amount": 3000}""", captureKey);
        var refund1 = await PostAsync(A, $"/v1/payments/{id}/refunds", """{"amount": 1000}""", refundKey);
        var refund2 = await PostAsync(A, $"/v1/payments/{id}/refunds", """{"amount": 1000}""", refundKey);

        Assert.Equal(HttpStatusCode.OK, capture2.Status);
        Assert.Equal(capture1.Body, capture2.Body);
        Assert.Equal(HttpStatusCode.Created, refund2.Status);
        Assert.Equal(refund1.Body, refund2.Body);
        Assert.Equal(1000, (await GetAsync(A, $"/v1/payments/{id}")).Json.GetProperty("amount_refunded").GetInt64());
    }

    [Theory]
    [InlineData(256)]
    [InlineData(5000)]
    public async Task Keys_longer_than_255_characters_are_rejected(int length)
    {
        var reply = await PostAsync(A, "/v1/payments", PaymentBody(3800), new string('k', length));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("invalid_request_error", reply.ErrorType);
        Assert.Equal("Idempotency-Key", reply.ErrorParam);
    }

    [Fact]
    public async Task A_255_character_key_is_accepted()
    {
        var reply = await PostAsync(A, "/v1/payments", PaymentBody(3900), new string('k', 200) + Guid.NewGuid().ToString("N")[..24] + new string('z', 31));

        Assert.Equal(HttpStatusCode.Created, reply.Status);
    }

    [Fact]
    public async Task Keys_older_than_24_hours_are_swept_and_younger_ones_kept()
    {
        var oldKey = NewKey();
        var youngKey = NewKey();
        await PostAsync(A, "/v1/payments", PaymentBody(4000), oldKey);
        await PostAsync(A, "/v1/payments", PaymentBody(4001), youngKey);
        var aged = Fixture.Store == StoreKind.Postgres
            ? "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE idempotency_key = @key"
            : "UPDATE idempotency_keys SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-25 hours') WHERE idempotency_key = @key";
        await ExecuteAsync(aged, oldKey);
        var nearlyAged = Fixture.Store == StoreKind.Postgres
            ? "UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE idempotency_key = @key"
            : "UPDATE idempotency_keys SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-23 hours') WHERE idempotency_key = @key";
        await ExecuteAsync(nearlyAged, youngKey);

        var swept = await Fixture.Factory.Services.GetServices<IHostedService>().OfType<IdempotencyKeySweeper>().Single().SweepOnceAsync(CancellationToken.None);

        Assert.True(swept >= 1);
        Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = '{oldKey}'"));
        Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = '{youngKey}'"));
    }

    [Fact]
    public async Task A_2xx_answer_is_kept_once_as_its_event_and_every_answer_replays_byte_for_byte()
    {
        var authorized = await PostAsync(A, "/v1/payments", PaymentBody(3500, capture: false), NewKey());
        var id = authorized.Json.GetProperty("id").GetString();
        var requests = new (string Path, string? Body, HttpStatusCode Status, bool InLog)[]
        {
            ("/v1/payments", PaymentBody(3400), HttpStatusCode.Created, true),
            ($"/v1/payments/{id}/capture", """{"amount": 3000}""", HttpStatusCode.OK, true),
            ($"/v1/payments/{id}/refunds", """{"amount": 100}""", HttpStatusCode.Created, true),
            ("/v1/payments", PaymentBody(3401, number: "4000000000000002"), HttpStatusCode.PaymentRequired, false),
        };
        foreach (var (path, body, status, inLog) in requests)
        {
            var key = NewKey();
            var first = await PostAsync(A, path, body, key);
            var replay = await PostAsync(A, path, body, key);

            Assert.Equal(status, first.Status);
            Assert.Equal(status, replay.Status);
            Assert.Equal(first.Body, replay.Body);
            Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
            // A 2xx body is the payload of the event its transaction wrote: the key's row keeps no second copy.
            // A decline's error object is no event's payload and stays in the row.
            var kept = inLog
                ? await StoreSql.RowsAsync(Fixture.Factory.Services,
                    $"SELECT t.payload FROM idempotency_keys k JOIN transaction_log t ON t.event_id = k.response_event_id WHERE k.idempotency_key = '{key}' AND k.response_body = ''")
                : await StoreSql.RowsAsync(Fixture.Factory.Services,
                    $"SELECT response_body FROM idempotency_keys WHERE idempotency_key = '{key}' AND response_event_id IS NULL");
            Assert.Equal(first.Body, Assert.Single(kept));
        }
    }

    [Fact]
    public async Task A_record_that_keeps_its_body_in_the_row_replays_it()
    {
        // Records written before migration 0007 hold the body themselves and point at no event.
        var key = NewKey();
        var first = await PostAsync(A, "/v1/payments", PaymentBody(3650), key);
        await StoreSql.ExecuteAsync(Fixture.Factory.Services,
            $"UPDATE idempotency_keys SET response_body = (SELECT t.payload FROM transaction_log t WHERE t.event_id = idempotency_keys.response_event_id), " +
            $"response_event_id = NULL WHERE idempotency_key = '{key}'");
        Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = '{key}' AND response_event_id IS NULL AND response_body <> ''"));

        var replay = await PostAsync(A, "/v1/payments", PaymentBody(3650), key);

        Assert.Equal(HttpStatusCode.Created, replay.Status);
        Assert.Equal(first.Body, replay.Body);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM payments WHERE amount = 3650"));
    }

    [Fact]
    public async Task A_new_payments_recorded_hash_cannot_be_reversed_to_its_cvc_or_card_number()
    {
        // What someone holding a copy of the database would try: the payment's row gives amount, currency,
        // brand, last4 and expiry, so only the CVC (1,000 values) and the middle of the number are unknown.
        var key = NewKey();
        var body = PaymentBody(3660);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(A, "/v1/payments", body, key)).Status);
        var stored = Assert.Single(await StoreSql.RowsAsync(Fixture.Factory.Services,
            $"SELECT request_hash FROM idempotency_keys WHERE idempotency_key = '{key}'"));

        var guesses = Enumerable.Range(0, 1000).Select(cvc => body.Replace("\"cvc\": \"123\"", $"\"cvc\": \"{cvc:000}\"", StringComparison.Ordinal));
        Assert.DoesNotContain(stored, guesses.Select(guess => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(guess)))));
        Assert.Contains("\"cvc\": \"123\"", body, StringComparison.Ordinal);
        var withoutCard = body.Replace(ApiTestBase.Visa, "", StringComparison.Ordinal).Replace("\"cvc\": \"123\"", "", StringComparison.Ordinal);
        Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(withoutCard))), stored);
    }

    [Fact]
    public async Task A_retry_that_differs_only_in_the_cvc_replays_and_one_with_another_card_is_refused()
    {
        var key = NewKey();
        var first = await PostAsync(A, "/v1/payments", PaymentBody(3670), key);

        var otherCvc = await PostAsync(A, "/v1/payments", PaymentBody(3670).Replace("\"cvc\": \"123\"", "\"cvc\": \"987\"", StringComparison.Ordinal), key);
        var otherCard = await PostAsync(A, "/v1/payments", PaymentBody(3670, number: "5555555555554444"), key);

        Assert.Equal(HttpStatusCode.Created, otherCvc.Status);
        Assert.Equal(first.Body, otherCvc.Body);
        Assert.Equal("true", Assert.Single(otherCvc.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(HttpStatusCode.BadRequest, otherCard.Status);
        Assert.Equal("idempotency_key_reused", otherCard.ErrorCode);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM payments WHERE amount = 3670"));
    }

    [Fact]
    public async Task A_key_an_earlier_build_recorded_with_the_raw_body_hash_still_replays()
    {
        // Builds before this one hashed a new payment's body as sent; their records live out their retention.
        var key = NewKey();
        var body = PaymentBody(3680);
        var first = await PostAsync(A, "/v1/payments", body, key);
        var raw = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        await StoreSql.ExecuteAsync(Fixture.Factory.Services, $"UPDATE idempotency_keys SET request_hash = '{raw}' WHERE idempotency_key = '{key}'");

        var replay = await PostAsync(A, "/v1/payments", body, key);
        var other = await PostAsync(A, "/v1/payments", PaymentBody(3681), key);

        Assert.Equal(HttpStatusCode.Created, replay.Status);
        Assert.Equal(first.Body, replay.Body);
        Assert.Equal(HttpStatusCode.BadRequest, other.Status);
        Assert.Equal("idempotency_key_reused", other.ErrorCode);
    }

    private static string NewKey() => "key-" + Guid.NewGuid().ToString("N");

    private Task<long> CountAsync(string sql) => StoreSql.ScalarAsync(Fixture.Factory.Services, sql);

    private async Task ExecuteAsync(string sql, string key)
    {
        await using var connection = await Fixture.Factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Db.AddParameter(command, "key", key);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task Not_found_and_state_errors_leave_no_idempotency_record()
    {
        var captured = (await CreatePaymentAsync()).GetProperty("id").GetString();
        var notFoundKey = "nf-" + Guid.NewGuid().ToString("N");
        var stateKey = "st-" + Guid.NewGuid().ToString("N");

        var notFound = await PostAsync(A, "/v1/payments/pay_000000000000000000000000/capture", null, notFoundKey);
        var wrongState = await PostAsync(A, $"/v1/payments/{captured}/cancel", null, stateKey);
        var afterNotFound = await PostAsync(A, "/v1/payments", PaymentBody(5252), notFoundKey);
        var afterState = await PostAsync(A, $"/v1/payments/{captured}/refunds", """{"amount": 1}""", stateKey);

        Assert.Equal(HttpStatusCode.NotFound, notFound.Status);
        Assert.Equal(HttpStatusCode.BadRequest, wrongState.Status);
        Assert.Equal(HttpStatusCode.Created, afterNotFound.Status);
        Assert.False(afterNotFound.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, afterState.Status);
        Assert.False(afterState.Headers.Contains("Idempotent-Replayed"));
    }
}

public sealed class IdempotencyTestsSqlite(SqliteApiFixture fixture) : IdempotencyTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class IdempotencyTestsPostgres(PostgresApiFixture fixture) : IdempotencyTests(fixture), IClassFixture<PostgresApiFixture>;

public sealed class IdempotencyKeyFormatTests
{
    [Theory]
    [InlineData("key\u0000end")]
    [InlineData("tab\tinside")]
    [InlineData("unit\u001Fseparator")]
    [InlineData("delete\u007F")]
    [InlineData("next-line\u0085")]
    [InlineData("\u009Fapplication-command")]
    public async Task Keys_with_control_characters_are_rejected_with_the_header_as_param(string key)
    {
        var exception = await Assert.ThrowsAsync<ApiException>(() => FromAsync(key));

        Assert.Equal(400, exception.StatusCode);
        Assert.Equal("idempotency_key_invalid", exception.Error.Code);
        Assert.Equal(IdempotencyRequest.HeaderName, exception.Error.Param);
    }

    [Theory]
    [InlineData("order-1842/retry~2 (ok)")]
    [InlineData("non-breaking\u00A0space")]
    [InlineData("ключ-идемпотентности")]
    public async Task Printable_keys_are_accepted_as_sent(string key)
    {
        var request = await FromAsync(key);

        Assert.NotNull(request);
        Assert.Equal(key, request.Key);
        Assert.Equal(64, request.RequestHash.Length);
    }

    private static async Task<IdempotencyRequest?> FromAsync(string key)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/v1/payments";
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream("{}"u8.ToArray());
        context.Request.Headers[IdempotencyRequest.HeaderName] = key;
        var body = await JsonBody.ReadAsync(context.Request, CancellationToken.None);
        return IdempotencyRequest.From(context.Request, body);
    }
}

public sealed class RequestHashTests
{
    private const string Card = """{"amount": 100, "currency": "usd", "payment_method": {"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}}, "metadata": {"cvc": "1"}}""";

    [Theory]
    [InlineData("\"cvc\": \"123\"", "\"cvc\": \"9876\"")]
    [InlineData("\"cvc\": \"123\"", "\"c\\u0076c\": \"555\"")]
    public void The_cvc_is_left_out_under_any_spelling_of_its_name(string sent, string other)
    {
        using var cards = Fingerprinter("key-1");

        Assert.Equal(Hash(Card, cards), Hash(Card.Replace(sent, other, StringComparison.Ordinal), cards));
    }

    [Fact]
    public void The_card_number_counts_through_its_keyed_fingerprint_only()
    {
        using var cards = Fingerprinter("key-1");
        using var otherKey = Fingerprinter("key-2");
        var otherNumber = Card.Replace("4242424242424242", "4000056655665556", StringComparison.Ordinal);

        Assert.NotEqual(Hash(Card, cards), Hash(otherNumber, cards));
        // Without the key there is nothing to enumerate against: the same body hashes differently under another.
        Assert.NotEqual(Hash(Card, cards), Hash(Card, otherKey));
        Assert.NotEqual(Hash(Card, cards), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Card))));
    }

    [Theory]
    [InlineData("\"amount\": 100", "\"amount\": 101")]
    [InlineData("\"metadata\": {\"cvc\": \"1\"}", "\"metadata\": {\"cvc\": \"2\"}")]
    [InlineData("\"exp_month\": 12", "\"exp_month\": 11")]
    [InlineData("\"amount\": 100", "\"amount\":  100")]
    public void Everything_else_counts_byte_for_byte(string sent, string other)
    {
        using var cards = Fingerprinter("key-1");

        Assert.NotEqual(Hash(Card, cards), Hash(Card.Replace(sent, other, StringComparison.Ordinal), cards));
    }

    [Fact]
    public void A_cvc_before_the_number_is_left_out_too()
    {
        using var cards = Fingerprinter("key-1");
        var cvcFirst = """{"payment_method": {"card": {"cvc": "123", "number": "4242424242424242"}}}""";

        Assert.Equal(Hash(cvcFirst, cards), Hash(cvcFirst.Replace("123", "999", StringComparison.Ordinal), cards));
        Assert.NotEqual(Hash(cvcFirst, cards), Hash(cvcFirst.Replace("4242424242424242", "5555555555554444", StringComparison.Ordinal), cards));
    }

    private static string Hash(string body, CardFingerprinter cards) => IdempotencyRequest.HashWithoutCardSecrets(Encoding.UTF8.GetBytes(body), cards);

    private static CardFingerprinter Fingerprinter(string key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Payments:CardFingerprintKey"] = key }).Build();
        var cards = new CardFingerprinter(null!, configuration);
        cards.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
        return cards;
    }
}
