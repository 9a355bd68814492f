using System.Net;
using System.Text.Json;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Http;

/// <summary>
/// The served document says what the wire carries: the names the serializer writes, requiredness,
/// ranges and lengths, closed objects, enums, every error status with the error object, the query and
/// header parameters, examples, and a server that does not depend on the request's Host.
/// </summary>
public sealed class OpenApiDocumentTests(SqliteApiFixture fixture) : ApiTestBase(fixture), IClassFixture<SqliteApiFixture>
{
    private async Task<JsonElement> DocumentAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/openapi/v1.json", UriKind.Relative));
        return JsonDocument.Parse(await (await Fixture.Anonymous.SendAsync(request)).Content.ReadAsStringAsync()).RootElement;
    }

    private static JsonElement Schema(JsonElement document, string name) => document.GetProperty("components").GetProperty("schemas").GetProperty(name);

    private static JsonElement CreateBody(JsonElement document) =>
        document.GetProperty("paths").GetProperty("/v1/payments").GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");

    private static HashSet<string> Names(JsonElement objectSchema) => objectSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();

    private static List<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? null : e.GetString()).ToList();

    [Fact]
    public async Task Property_names_are_those_the_serializer_writes()
    {
        var document = await DocumentAsync();
        var payment = await CreatePaymentAsync(capture: false);
        var refund = (await PostAsync(A, $"/v1/payments/{(await CreatePaymentAsync()).GetProperty("id").GetString()}/refunds", """{"amount": 5}""")).Json;

        Assert.Equal(payment.EnumerateObject().Select(p => p.Name).ToHashSet(), Names(Schema(document, "PaymentResource")));
        Assert.Equal(payment.GetProperty("card").EnumerateObject().Select(p => p.Name).ToHashSet(), Names(Schema(document, "CardResource")));
        Assert.Equal(refund.EnumerateObject().Select(p => p.Name).ToHashSet(), Names(Schema(document, "RefundResource")));
        Assert.Equal(["amount", "currency", "capture", "payment_method", "description", "metadata"], Names(CreateBody(document)));
        Assert.Contains("has_more", Names(Schema(document, "ListResourceOfPaymentResource")));
    }

    [Fact]
    public async Task Requests_are_closed_objects_with_their_required_members_ranges_and_lengths()
    {
        var document = await DocumentAsync();
        var create = CreateBody(document);
        var properties = create.GetProperty("properties");
        var card = properties.GetProperty("payment_method").GetProperty("properties").GetProperty("card");

        Assert.Equal(["amount", "currency", "payment_method"], create.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.False(create.GetProperty("additionalProperties").GetBoolean());
        Assert.False(card.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["cvc", "exp_month", "exp_year", "number"], card.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Equal((1, 99_999_999), (properties.GetProperty("amount").GetProperty("minimum").GetInt64(), properties.GetProperty("amount").GetProperty("maximum").GetInt64()));
        Assert.Equal("integer", properties.GetProperty("amount").GetProperty("type").GetString());
        Assert.Equal((1, 12), (card.GetProperty("properties").GetProperty("exp_month").GetProperty("minimum").GetInt32(), card.GetProperty("properties").GetProperty("exp_month").GetProperty("maximum").GetInt32()));
        Assert.Equal((DateTime.UtcNow.Year, 9999), (card.GetProperty("properties").GetProperty("exp_year").GetProperty("minimum").GetInt32(), card.GetProperty("properties").GetProperty("exp_year").GetProperty("maximum").GetInt32()));
        Assert.Equal(1000, properties.GetProperty("description").GetProperty("maxLength").GetInt32());
        var metadata = properties.GetProperty("metadata");
        Assert.Equal(50, metadata.GetProperty("maxProperties").GetInt32());
        Assert.Equal(40, metadata.GetProperty("propertyNames").GetProperty("maxLength").GetInt32());
        Assert.Equal(500, metadata.GetProperty("additionalProperties").GetProperty("maxLength").GetInt32());
        var currencies = Strings(properties.GetProperty("currency").GetProperty("enum"));
        Assert.Contains("usd", currencies);
        Assert.Contains("jpy", currencies);
        Assert.DoesNotContain("xau", currencies);
    }

    [Fact]
    public async Task Enums_list_the_values_the_API_takes_and_gives()
    {
        var document = await DocumentAsync();
        var refund = document.GetProperty("paths").GetProperty("/v1/payments/{id}/refunds").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");

        Assert.Equal(["duplicate", "fraudulent", "requested_by_customer", null], Strings(refund.GetProperty("properties").GetProperty("reason").GetProperty("enum")));
        Assert.False(refund.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["requires_capture", "succeeded", "canceled", "failed"], Strings(Schema(document, "PaymentResource").GetProperty("properties").GetProperty("status").GetProperty("enum")));
        Assert.Contains("card_error", Strings(Schema(document, "ErrorBody").GetProperty("properties").GetProperty("type").GetProperty("enum")));
    }

    [Fact]
    public async Task Every_error_status_is_documented_with_the_error_object()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");
        var create = paths.GetProperty("/v1/payments").GetProperty("post").GetProperty("responses");

        foreach (var status in new[] { "400", "401", "402", "404", "408", "409", "413", "415", "429", "500", "503" })
        {
            Assert.True(create.TryGetProperty(status, out var response), $"POST /v1/payments has no {status}");
            Assert.Equal("#/components/schemas/ErrorEnvelope", response.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        }

        Assert.True(create.GetProperty("429").GetProperty("headers").GetProperty("Retry-After").GetProperty("required").GetBoolean());
        Assert.True(create.GetProperty("503").GetProperty("headers").TryGetProperty("Retry-After", out _));
        Assert.True(create.GetProperty("401").GetProperty("headers").TryGetProperty("WWW-Authenticate", out _));
        Assert.False(paths.GetProperty("/v1/balance").GetProperty("get").GetProperty("responses").TryGetProperty("415", out _));
    }

    [Fact]
    public async Task Query_and_header_parameters_are_documented()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");

        foreach (var list in new[] { "/v1/payments", "/v1/payments/{id}/refunds" })
        {
            var parameters = paths.GetProperty(list).GetProperty("get").GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
            Assert.Equal("query", parameters["limit"].GetProperty("in").GetString());
            Assert.Equal((1, 100, 10), (parameters["limit"].GetProperty("schema").GetProperty("minimum").GetInt32(), parameters["limit"].GetProperty("schema").GetProperty("maximum").GetInt32(), parameters["limit"].GetProperty("schema").GetProperty("default").GetInt32()));
            Assert.Equal("query", parameters["starting_after"].GetProperty("in").GetString());
        }

        foreach (var path in paths.EnumerateObject())
        {
            // Creating a webhook endpoint takes no Idempotency-Key (docs/webhooks.md): a retry creates a second endpoint.
            if (path.Value.TryGetProperty("post", out var post) && path.Name != "/v1/webhook_endpoints")
            {
                var key = post.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Idempotency-Key");
                Assert.Equal("header", key.GetProperty("in").GetString());
                Assert.Equal(255, key.GetProperty("schema").GetProperty("maxLength").GetInt32());
            }
        }
    }

    [Fact]
    public async Task Examples_are_given_and_valid_requests()
    {
        var document = await DocumentAsync();
        var example = CreateBody(document).GetProperty("examples")[0].GetRawText();

        var reply = await PostAsync(A, "/v1/payments", example);

        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        Assert.Equal(JsonValueKind.Object, Schema(document, "PaymentResource").GetProperty("examples")[0].ValueKind);
        Assert.Equal(JsonValueKind.Object, Schema(document, "ErrorEnvelope").GetProperty("examples")[0].ValueKind);
    }

    [Fact]
    public async Task The_server_is_relative_whatever_Host_the_request_names()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/openapi/v1.json", UriKind.Relative));
        request.Headers.Host = "attacker.example:8443";
        var document = JsonDocument.Parse(await (await Fixture.Anonymous.SendAsync(request)).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("/", document.GetProperty("servers").EnumerateArray().Single().GetProperty("url").GetString());
        Assert.DoesNotContain("attacker", document.GetRawText(), StringComparison.Ordinal);
    }
}
