using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Http;

/// <summary>Bad input gets a typed 4xx naming the parameter; never a 5xx.</summary>
public abstract class BadInputTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string Json = "application/json";

    public sealed record BadInput(string Name, string Method, string Path, string? ContentType, byte[]? Body, int Status, string Type, string? Param);

    private static string Card(string number = Visa, string month = "12", string year = "2031", string cvc = "\"123\"", string extra = "") =>
        $$$"""{"card": {"number": "{{{number}}}", "exp_month": {{{month}}}, "exp_year": {{{year}}}, "cvc": {{{cvc}}}{{{extra}}}}}""";

    private static string Create(string amount = "1999", string currency = "\"usd\"", string? paymentMethod = null, string extra = "") =>
        $$$"""{"amount": {{{amount}}}, "currency": {{{currency}}}, "payment_method": {{{paymentMethod ?? Card()}}}{{{extra}}}}""";

    private static BadInput Post(string name, string body, int status, string param, string path = "/v1/payments") =>
        new(name, "POST", path, Json, Encoding.UTF8.GetBytes(body), status, "invalid_request_error", param);

    public static IEnumerable<BadInput> Cases()
    {
        // amount
        yield return Post("amount float", Create("19.99"), 400, "amount");
        yield return Post("amount string", Create("\"1999\""), 400, "amount");
        yield return Post("amount exponent", Create("2e3"), 400, "amount");
        yield return Post("amount zero", Create("0"), 400, "amount");
        yield return Post("amount negative", Create("-5"), 400, "amount");
        yield return Post("amount above max", Create("100000000"), 400, "amount");
        yield return Post("amount beyond int64", Create("123456789012345678901234567890"), 400, "amount");
        yield return Post("amount boolean", Create("true"), 400, "amount");
        yield return Post("amount null", Create("null"), 400, "amount");
        yield return Post("amount missing", """{"currency": "usd", "payment_method": """ + Card() + "}", 400, "amount");
        yield return Post("amount leading zero", Create("0100"), 400, "amount");
        // currency
        yield return Post("currency uppercase", Create(currency: "\"USD\""), 400, "currency");
        yield return Post("currency unknown", Create(currency: "\"abc\""), 400, "currency");
        yield return Post("currency metal code", Create(currency: "\"xau\""), 400, "currency");
        yield return Post("currency number", Create(currency: "840"), 400, "currency");
        yield return Post("currency missing", """{"amount": 100, "payment_method": """ + Card() + "}", 400, "currency");
        yield return Post("currency very long", Create(currency: "\"" + new string('u', 5000) + "\""), 400, "currency");
        // capture
        yield return Post("capture string", Create(extra: ", \"capture\": \"yes\""), 400, "capture");
        yield return Post("capture number", Create(extra: ", \"capture\": 1"), 400, "capture");
        // card
        yield return Post("payment_method missing", """{"amount": 100, "currency": "usd"}""", 400, "payment_method");
        yield return Post("card missing", Create(paymentMethod: "{}"), 400, "payment_method.card");
        yield return Post("card number Luhn-invalid", Create(paymentMethod: Card("4242424242424241")), 400, "payment_method.card.number");
        yield return Post("card number letters", Create(paymentMethod: Card("4242abcd42424242")), 400, "payment_method.card.number");
        yield return Post("card number too short", Create(paymentMethod: Card("42424242")), 400, "payment_method.card.number");
        yield return Post("card number as number", Create(paymentMethod: """{"card": {"number": 4242424242424242, "exp_month": 12, "exp_year": 2031, "cvc": "123"}}"""), 400, "payment_method.card.number");
        yield return Post("exp_month 13", Create(paymentMethod: Card(month: "13")), 400, "payment_method.card.exp_month");
        yield return Post("exp_month 0", Create(paymentMethod: Card(month: "0")), 400, "payment_method.card.exp_month");
        yield return Post("exp_month string", Create(paymentMethod: Card(month: "\"12\"")), 400, "payment_method.card.exp_month");
        yield return Post("expiry in the past", Create(paymentMethod: Card(year: "2020")), 400, "payment_method.card.exp_year");
        yield return Post("two-digit year", Create(paymentMethod: Card(year: "31")), 400, "payment_method.card.exp_year");
        yield return Post("cvc too short", Create(paymentMethod: Card(cvc: "\"12\"")), 400, "payment_method.card.cvc");
        yield return Post("cvc letters", Create(paymentMethod: Card(cvc: "\"12a\"")), 400, "payment_method.card.cvc");
        yield return Post("cvc as number", Create(paymentMethod: Card(cvc: "123")), 400, "payment_method.card.cvc");
        yield return Post("cvc missing", Create(paymentMethod: """{"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031}}"""), 400, "payment_method.card.cvc");
        yield return Post("unknown card field", Create(paymentMethod: Card(extra: ", \"name\": \"x\"")), 400, "payment_method.card.name");
        // description and metadata
        yield return Post("description too long", Create(extra: ", \"description\": \"" + new string('d', 1001) + "\""), 400, "description");
        yield return Post("description number", Create(extra: ", \"description\": 5"), 400, "description");
        yield return Post("metadata 51 keys", Create(extra: ", \"metadata\": {" + string.Join(", ", Enumerable.Range(0, 51).Select(i => $"\"k{i}\": \"v\"")) + "}"), 400, "metadata");
        yield return Post("metadata key 41 chars", Create(extra: ", \"metadata\": {\"" + new string('k', 41) + "\": \"v\"}"), 400, "metadata");
        yield return Post("metadata value 501 chars", Create(extra: ", \"metadata\": {\"k\": \"" + new string('v', 501) + "\"}"), 400, "metadata.k");
        yield return Post("metadata value number", Create(extra: ", \"metadata\": {\"k\": 5}"), 400, "metadata.k");
        yield return Post("metadata value null", Create(extra: ", \"metadata\": {\"k\": null}"), 400, "metadata.k");
        yield return Post("metadata array", Create(extra: ", \"metadata\": [\"k\"]"), 400, "metadata");
        yield return Post("metadata nested object", Create(extra: ", \"metadata\": {\"k\": {\"a\": \"b\"}}"), 400, "metadata.k");
        // shape of the document
        yield return Post("unknown top-level field", Create(extra: ", \"amount_cents\": 5"), 400, "amount_cents");
        yield return Post("duplicate property", Create(extra: ", \"amount\": 5"), 400, "amount");
        yield return new BadInput("malformed JSON", "POST", "/v1/payments", Json, "{\"amount\": 100,"u8.ToArray(), 400, "invalid_request_error", null);
        yield return new BadInput("trailing garbage", "POST", "/v1/payments", Json, Encoding.UTF8.GetBytes(Create() + " x"), 400, "invalid_request_error", null);
        yield return new BadInput("comment in JSON", "POST", "/v1/payments", Json, Encoding.UTF8.GetBytes("/* c */" + Create()), 400, "invalid_request_error", null);
        yield return new BadInput("NaN literal", "POST", "/v1/payments", Json, Encoding.UTF8.GetBytes(Create("NaN")), 400, "invalid_request_error", null);
        yield return new BadInput("body is null", "POST", "/v1/payments", Json, "null"u8.ToArray(), 400, "invalid_request_error", null);
        yield return new BadInput("body is an array", "POST", "/v1/payments", Json, "[1, 2]"u8.ToArray(), 400, "invalid_request_error", null);
        yield return new BadInput("body is a string", "POST", "/v1/payments", Json, "\"pay\""u8.ToArray(), 400, "invalid_request_error", null);
        yield return new BadInput("empty create body", "POST", "/v1/payments", Json, [], 400, "invalid_request_error", "amount");
        yield return new BadInput("invalid UTF-8", "POST", "/v1/payments", Json,
            [.. "{\"amount\": 100, \"currency\": \"usd\", \"description\": \""u8.ToArray(), 0xC3, 0x28, .. "\"}"u8.ToArray()], 400, "invalid_request_error", "description");
        yield return new BadInput("deeply nested", "POST", "/v1/payments", Json,
            Encoding.UTF8.GetBytes("{\"metadata\": " + new string('[', 100) + new string(']', 100) + "}"), 400, "invalid_request_error", null);
        // transport
        yield return new BadInput("text/plain body", "POST", "/v1/payments", "text/plain", Encoding.UTF8.GetBytes(Create()), 415, "invalid_request_error", null);
        yield return new BadInput("form body", "POST", "/v1/payments", "application/x-www-form-urlencoded", "amount=100"u8.ToArray(), 415, "invalid_request_error", null);
        yield return new BadInput("JSON in latin1 charset", "POST", "/v1/payments", "application/json; charset=iso-8859-1", Encoding.UTF8.GetBytes(Create()), 415, "invalid_request_error", null);
        yield return new BadInput("body over 64 KB", "POST", "/v1/payments", Json, Encoding.UTF8.GetBytes(Create(extra: ", \"description\": \"" + new string('d', 70_000) + "\"")), 413, "invalid_request_error", null);
        yield return new BadInput("unknown route", "GET", "/v1/charges", null, null, 404, "invalid_request_error", null);
        yield return new BadInput("unknown payment", "GET", "/v1/payments/pay_nope", null, null, 404, "invalid_request_error", "id");
        yield return new BadInput("wrong method", "PUT", "/v1/payments", Json, "{}"u8.ToArray(), 405, "invalid_request_error", null);
        // lists
        yield return new BadInput("limit zero", "GET", "/v1/payments?limit=0", null, null, 400, "invalid_request_error", "limit");
        yield return new BadInput("limit 101", "GET", "/v1/payments?limit=101", null, null, 400, "invalid_request_error", "limit");
        yield return new BadInput("limit text", "GET", "/v1/payments?limit=ten", null, null, 400, "invalid_request_error", "limit");
        yield return new BadInput("limit negative", "GET", "/v1/payments?limit=-1", null, null, 400, "invalid_request_error", "limit");
        yield return new BadInput("unknown query parameter", "GET", "/v1/payments?status=failed", null, null, 400, "invalid_request_error", "status");
        yield return new BadInput("starting_after unknown", "GET", "/v1/payments?starting_after=pay_nope", null, null, 400, "invalid_request_error", "starting_after");
        yield return new BadInput("balance with query", "GET", "/v1/balance?currency=usd", null, null, 400, "invalid_request_error", "currency");
    }

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases())
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Fact]
    public void The_table_has_at_least_forty_distinct_cases()
    {
        var names = Cases().Select(c => c.Name).ToList();
        Assert.True(names.Count >= 40, $"only {names.Count} cases");
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_input_gets_a_typed_4xx(string name)
    {
        var input = Cases().Single(c => c.Name == name);
        using var request = new HttpRequestMessage(new HttpMethod(input.Method), new Uri(input.Path, UriKind.Relative));
        if (input.Body is not null)
        {
            request.Content = new ByteArrayContent(input.Body);
            if (input.ContentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(input.ContentType);
            }
        }

        using var response = await A.SendAsync(request);
        var reply = await Reply.ReadAsync(response);

        Assert.True((int)reply.Status == input.Status, $"{name}: expected {input.Status}, got {reply}");
        Assert.Equal("application/json", reply.ContentType);
        Assert.Equal(input.Type, reply.ErrorType);
        Assert.False(string.IsNullOrWhiteSpace(reply.Json.GetProperty("error").GetProperty("message").GetString()));
        if (input.Param is not null)
        {
            Assert.True(input.Param == reply.ErrorParam, $"{name}: expected param {input.Param}, got {reply}");
        }
    }

    [Fact]
    public async Task Bad_input_creates_nothing()
    {
        var before = (await GetAsync(A, "/v1/payments?limit=100")).Json.GetProperty("data").GetArrayLength();
        foreach (var input in Cases().Where(c => c.Method == "POST"))
        {
            using var content = new ByteArrayContent(input.Body ?? []);
            content.Headers.ContentType = input.ContentType is null ? null : MediaTypeHeaderValue.Parse(input.ContentType);
            using var response = await A.PostAsync(new Uri(input.Path, UriKind.Relative), content);
            Assert.True((int)response.StatusCode < 500, input.Name);
        }

        Assert.Equal(before, (await GetAsync(A, "/v1/payments?limit=100")).Json.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("/capture", """{"amount": "5"}""", "amount")]
    [InlineData("/capture", """{"amount": 1.5}""", "amount")]
    [InlineData("/capture", """{"amount": 0}""", "amount")]
    [InlineData("/capture", """{"amount": 5, "final": true}""", "final")]
    [InlineData("/cancel", """{"reason": "x"}""", "reason")]
    [InlineData("/refunds", """{"reason": "because"}""", "reason")]
    [InlineData("/refunds", """{"amount": -1}""", "amount")]
    [InlineData("/refunds", """{"amount": 100000000}""", "amount")]
    public async Task Bad_input_on_payment_actions_gets_a_typed_400(string action, string body, string param)
    {
        var id = (await CreatePaymentAsync(capture: action != "/refunds")).GetProperty("id").GetString();
        if (action == "/refunds")
        {
            id = (await CreatePaymentAsync()).GetProperty("id").GetString();
        }
        else
        {
            id = (await CreatePaymentAsync(capture: false)).GetProperty("id").GetString();
        }

        var reply = await PostAsync(A, $"/v1/payments/{id}{action}", body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("invalid_request_error", reply.ErrorType);
        Assert.Equal(param, reply.ErrorParam);
    }

    [Theory]
    [InlineData("/v1/payments?starting_after=%00", "starting_after")]
    [InlineData("/v1/payments?starting_after=pay_a%00b", "starting_after")]
    [InlineData("/v1/events?starting_after=%00", "starting_after")]
    [InlineData("/v1/events?type=%00", "type")]
    [InlineData("/v1/webhook_endpoints?starting_after=%00", "starting_after")]
    [InlineData("/v1/payments/pay_x/refunds?starting_after=%00", "starting_after")]
    [InlineData("/v1/payments?a%00b=1", "a%00b")]
    public async Task A_nul_in_a_query_parameter_is_the_same_typed_400_on_every_store(string path, string param)
    {
        var reply = await GetAsync(A, path);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(("parameter_invalid", param), (reply.ErrorCode, reply.ErrorParam));
    }

    public static TheoryData<string, string, string?, string?, string?> OddRequests() => new()
    {
        // method, path, Idempotency-Key, content type, body. (An empty key and a %00 in the path never
        // reach the app through TestServer; over Kestrel they are 400s, covered by the fault tests' bad-input corpus.)
        { "POST", "/v1/payments", "tab\tinside", "application/json", null },
        { "POST", "/v1/payments", null, "application/json; charset=utf-16", null },
        { "POST", "/v1/payments", null, "application/json", "\uFEFF" },
        { "POST", "/v1/payments", null, "application/json", "{\"amount\": 100, \"currency\": \"usd\", \"metadata\": {\"\": \"v\"}}" },
        { "POST", "/v1/payments", null, "application/json", "{\"amount\": 100, \"currency\": \"u\\u0000d\"}" },
        { "POST", "/v1/payments", null, "application/json", "{\"amount\": 100, \"currency\": \"usd\", \"payment_method\": {\"card\": {\"number\": \"4242424242424242\", \"exp_month\": 12, \"exp_year\": 99999999999, \"cvc\": \"123\"}}}" },
        { "POST", "/v1/payments", null, "application/json", "{\"amount\": 100, \"currency\": \"usd\", \"payment_method\": {\"card\": {\"number\": \"\\uD800\", \"exp_month\": 12, \"exp_year\": 2031, \"cvc\": \"123\"}}}" },
        { "POST", "/v1/payments/" + new string('x', 5000) + "/capture", null, "application/json", "{}" },
        { "POST", "/v1/payments/pay_%E2%82%AC/refunds", null, "application/json", "{\"amount\": 1}" },
        { "POST", "/v1/payments/pay_x/capture", null, "application/json", "{\"amount\": 9223372036854775807}" },
        { "POST", "/v1/payments/pay_x/refunds", null, "application/json", "{\"amount\": -9223372036854775808}" },
        { "GET", "/v1/payments?limit=1e2", null, null, null },
        { "GET", "/v1/payments?limit=5&limit=6", null, null, null },
        { "GET", "/v1/payments?starting_after=", null, null, null },
        { "GET", "/v1/payments?starting_after=" + new string('p', 3000), null, null, null },
        { "GET", "/v1/payments?limit=99999999999999999999", null, null, null },
        { "DELETE", "/v1/payments/pay_x", null, null, null },
        { "PATCH", "/v1/balance", null, "application/json", "{}" },
    };

    [Theory]
    [MemberData(nameof(OddRequests))]
    public async Task Odd_requests_get_a_typed_4xx_never_a_5xx(string method, string path, string? idempotencyKey, string? contentType, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        if (contentType is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body ?? PaymentBody()));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await A.SendAsync(request);
        var reply = await Reply.ReadAsync(response);

        Assert.True((int)reply.Status is >= 400 and < 500, reply.ToString());
        Assert.Equal("application/json", reply.ContentType);
        Assert.Equal("invalid_request_error", reply.ErrorType);
    }
}

public sealed class BadInputTestsSqlite(SqliteApiFixture fixture) : BadInputTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class BadInputTestsPostgres(PostgresApiFixture fixture) : BadInputTests(fixture), IClassFixture<PostgresApiFixture>;
