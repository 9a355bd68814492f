using System.Net;
using System.Text.Json;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Events;

/// <summary>
/// GET /v1/events: the transaction log's rows as public events, per merchant, newest first, each
/// carrying the object as it was when the event happened.
/// </summary>
public abstract class EventsTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task Each_change_is_one_event_carrying_the_object_as_it_was_then()
    {
        var client = await NewMerchantAsync();
        var authorized = await CreatePaymentAsync(client, amount: 1000, capture: false);
        var id = authorized.GetProperty("id").GetString()!;
        var captured = (await PostAsync(client, $"/v1/payments/{id}/capture", """{"amount": 600}""")).Json;
        var refund = (await PostAsync(client, $"/v1/payments/{id}/refunds", """{"amount": 100}""")).Json;
        var canceledId = (await CreatePaymentAsync(client, amount: 300, currency: "eur", capture: false)).GetProperty("id").GetString()!;
        var canceled = (await PostAsync(client, $"/v1/payments/{canceledId}/cancel", null)).Json;
        var declined = await PostAsync(client, "/v1/payments", PaymentBody(700, number: "4000000000000002"));
        Assert.Equal(HttpStatusCode.PaymentRequired, declined.Status);
        var autoCaptured = await CreatePaymentAsync(client, amount: 250);

        var events = await ListAllAsync(client, "/v1/events?limit=3");

        var autoId = autoCaptured.GetProperty("id").GetString()!;
        var declinedId = ObjectId(events[2]);
        Assert.Equal(
            [
                ("payment.captured", autoId),
                ("payment.created", autoId),
                ("payment.failed", declinedId),
                ("payment.created", declinedId),
                ("payment.canceled", canceledId),
                ("payment.created", canceledId),
                ("refund.created", refund.GetProperty("id").GetString()!),
                ("payment.captured", id),
                ("payment.created", id),
            ],
            events.Select(e => (e.GetProperty("type").GetString()!, ObjectId(e))));
        Assert.Equal(events.Count, events.Select(e => e.GetProperty("id").GetString()).Distinct().Count());

        // The object as it was at that moment, not as it is now.
        AssertSameObject(authorized, events[8]);
        AssertSameObject(captured, events[7]);
        AssertSameObject(refund, events[6]);
        AssertSameObject(canceled, events[4]);
        Assert.Equal("failed", Data(events[2]).GetProperty("status").GetString());
        Assert.Equal("card_declined", Data(events[2]).GetProperty("failure_code").GetString());
        AssertSameObject(autoCaptured, events[0]);
        AssertSameObject(autoCaptured, events[1]);

        // Every event is found by its id, identical to its list entry.
        foreach (var listed in events)
        {
            var one = await GetAsync(client, $"/v1/events/{listed.GetProperty("id").GetString()}");
            Assert.Equal(HttpStatusCode.OK, one.Status);
            Assert.Equal(listed.GetRawText(), one.Json.GetRawText());
            Assert.Equal("event", one.Json.GetProperty("object").GetString());
        }
    }

    [Fact]
    public async Task Filters_by_type_and_creation_time()
    {
        var client = await NewMerchantAsync();
        var first = await CreatePaymentAsync(client, amount: 100, capture: false);
        await CreatePaymentAsync(client, amount: 200);
        var refunded = await CreatePaymentAsync(client, amount: 300);
        await PostAsync(client, $"/v1/payments/{refunded.GetProperty("id").GetString()}/refunds", null);

        var created = await ListAllAsync(client, "/v1/events?type=payment.created&limit=1");
        var capturedEvents = await ListAllAsync(client, "/v1/events?type=payment.captured");
        var refunds = await ListAllAsync(client, "/v1/events?type=refund.created");

        Assert.Equal(3, created.Count);
        Assert.All(created, e => Assert.Equal("payment.created", e.GetProperty("type").GetString()));
        Assert.Equal(first.GetProperty("id").GetString(), ObjectId(created[^1]));
        Assert.Equal(2, capturedEvents.Count);
        Assert.Single(refunds);

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var all = await ListAllAsync(client, "/v1/events");
        Assert.Equal(all.Count, (await ListAllAsync(client, $"/v1/events?created_gte={now - 3600}&created_lt={now + 3600}")).Count);
        Assert.Empty(await ListAllAsync(client, $"/v1/events?created_gte={now + 3600}"));
        Assert.Empty(await ListAllAsync(client, $"/v1/events?created_lt={now - 3600}"));
        var oldest = all[^1].GetProperty("created").GetInt64();
        Assert.All(await ListAllAsync(client, $"/v1/events?created_gte={oldest}&type=payment.created"),
            e => Assert.True(e.GetProperty("created").GetInt64() >= oldest));
    }

    [Fact]
    public async Task Another_merchants_events_are_missing_like_unknown_ids()
    {
        var client = await NewMerchantAsync();
        var other = await NewMerchantAsync();
        await CreatePaymentAsync(client, amount: 4242);
        var events = await ListAllAsync(client, "/v1/events");
        Assert.Equal(2, events.Count);

        Assert.Empty(await ListAllAsync(other, "/v1/events"));
        foreach (var id in events.Select(e => e.GetProperty("id").GetString()!))
        {
            var foreign = await GetAsync(other, $"/v1/events/{id}");
            var missing = await GetAsync(other, $"/v1/events/{id}x");
            Assert.Equal(HttpStatusCode.NotFound, foreign.Status);
            Assert.Equal((missing.Status, missing.ErrorCode), (foreign.Status, foreign.ErrorCode));
            Assert.DoesNotContain("4242", foreign.Body, StringComparison.Ordinal);
            var asCursor = await GetAsync(other, $"/v1/events?starting_after={id}");
            Assert.Equal(HttpStatusCode.BadRequest, asCursor.Status);
            Assert.Equal("resource_missing", asCursor.ErrorCode);
        }
    }

    [Theory]
    [InlineData("type=payment.authorized", "parameter_invalid", "type")]
    [InlineData("created_gte=yesterday", "parameter_invalid", "created_gte")]
    [InlineData("created_lt=-1", "parameter_invalid", "created_lt")]
    [InlineData("limit=0", "parameter_invalid", "limit")]
    [InlineData("type=payment.created&type=payment.failed", "parameter_invalid", "type")]
    [InlineData("created=1", "parameter_unknown", "created")]
    public async Task Invalid_query_parameters_are_400(string query, string code, string param)
    {
        var reply = await GetAsync(A, "/v1/events?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(code, reply.ErrorCode);
        Assert.Equal(param, reply.ErrorParam);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_events_routes_and_their_parameters()
    {
        var document = (await GetAsync(Fixture.Anonymous, "/openapi/v1.json")).Json;
        var list = document.GetProperty("paths").GetProperty("/v1/events").GetProperty("get");
        var one = document.GetProperty("paths").GetProperty("/v1/events/{id}").GetProperty("get");

        var parameters = list.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p);
        Assert.Equal(["created_gte", "created_lt", "limit", "starting_after", "type"], parameters.Keys.Order(StringComparer.Ordinal));
        Assert.All(parameters.Values, p => Assert.Equal("query", p.GetProperty("in").GetString()));
        Assert.Equal(
            ["payment.created", "payment.captured", "payment.canceled", "payment.failed", "refund.created", "webhook_endpoint.disabled"],
            parameters["type"].GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("integer", parameters["created_gte"].GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal("#/components/schemas/ListResourceOfEventResource",
            list.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.True(one.GetProperty("responses").TryGetProperty("404", out _));
        Assert.True(list.GetProperty("responses").TryGetProperty("400", out _));
    }

    private async Task<HttpClient> NewMerchantAsync()
    {
        var merchants = Fixture.Factory.Services.GetRequiredService<Api.Merchants.MerchantStore>();
        var key = await merchants.CreateKeyAsync("acct_ev_" + Guid.NewGuid().ToString("N")[..12], CancellationToken.None);
        return Fixture.ClientWithKey(key);
    }

    private static async Task<List<JsonElement>> ListAllAsync(HttpClient client, string path)
    {
        var all = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var page = await GetAsync(client, after is null ? path : $"{path}{(path.Contains('?', StringComparison.Ordinal) ? "&" : "?")}starting_after={after}");
            Assert.Equal(HttpStatusCode.OK, page.Status);
            var data = page.Json.GetProperty("data").EnumerateArray().ToList();
            all.AddRange(data);
            if (!page.Json.GetProperty("has_more").GetBoolean())
            {
                return all;
            }

            after = data[^1].GetProperty("id").GetString();
        }
    }

    private static JsonElement Data(JsonElement e) => e.GetProperty("data").GetProperty("object");

    private static string ObjectId(JsonElement e) => Data(e).GetProperty("id").GetString()!;

    private static void AssertSameObject(JsonElement expected, JsonElement e) =>
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(Data(e)));
}

public sealed class EventsTestsSqlite(SqliteApiFixture fixture) : EventsTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class EventsTestsPostgres(PostgresApiFixture fixture) : EventsTests(fixture), IClassFixture<PostgresApiFixture>;
