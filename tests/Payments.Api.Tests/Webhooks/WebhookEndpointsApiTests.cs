using System.Net;
using System.Text.Json;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Webhooks;

/// <summary>
/// POST/GET/DELETE /v1/webhook_endpoints and the attempt log's route: the secret shown once, pages,
/// per-merchant isolation, typed errors. The fixture runs outside Development, so the URL rule is the
/// production one; IP literals keep it off the network.
/// </summary>
public abstract class WebhookEndpointsApiTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string PublicUrl = "https://93.184.215.14/hooks/payments";

    [Fact]
    public async Task Creation_shows_the_signing_secret_once()
    {
        var created = await PostAsync(A, "/v1/webhook_endpoints",
            $$"""{"url": "{{PublicUrl}}", "enabled_events": ["payment.captured", "refund.created"], "description": "Orders <service>"}""");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        var id = created.Json.GetProperty("id").GetString()!;
        Assert.StartsWith("we_", id, StringComparison.Ordinal);
        Assert.Equal("webhook_endpoint", created.Json.GetProperty("object").GetString());
        Assert.Equal("enabled", created.Json.GetProperty("status").GetString());
        Assert.Equal(["payment.captured", "refund.created"], created.Json.GetProperty("enabled_events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Orders <service>", created.Json.GetProperty("description").GetString());
        Assert.Matches("^whsec_[0-9A-Za-z]{32}$", created.Json.GetProperty("secret").GetString());

        var fetched = await GetAsync(A, $"/v1/webhook_endpoints/{id}");
        Assert.Equal(HttpStatusCode.OK, fetched.Status);
        Assert.False(fetched.Json.TryGetProperty("secret", out _));
        Assert.Equal(PublicUrl, fetched.Json.GetProperty("url").GetString());
        var listed = (await GetAsync(A, "/v1/webhook_endpoints?limit=100")).Json.GetProperty("data").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
        Assert.False(listed.TryGetProperty("secret", out _));
    }

    [Fact]
    public async Task Lists_page_newest_first_and_deleting_removes_the_endpoint()
    {
        var client = await NewMerchantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await PostAsync(client, "/v1/webhook_endpoints", $$"""{"url": "{{PublicUrl}}?n={{i}}", "enabled_events": ["payment.created"]}""")).Json.GetProperty("id").GetString()!);
        }

        var first = await GetAsync(client, "/v1/webhook_endpoints?limit=2");
        var second = await GetAsync(client, $"/v1/webhook_endpoints?limit=2&starting_after={first.Json.GetProperty("data")[1].GetProperty("id").GetString()}");

        Assert.True(first.Json.GetProperty("has_more").GetBoolean());
        Assert.False(second.Json.GetProperty("has_more").GetBoolean());
        Assert.Equal([ids[2], ids[1], ids[0]],
            first.Json.GetProperty("data").EnumerateArray().Concat(second.Json.GetProperty("data").EnumerateArray()).Select(e => e.GetProperty("id").GetString()));

        var deleted = await SendAsync(client, HttpMethod.Delete, $"/v1/webhook_endpoints/{ids[1]}");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.True(deleted.Json.GetProperty("deleted").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, $"/v1/webhook_endpoints/{ids[1]}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Delete, $"/v1/webhook_endpoints/{ids[1]}")).Status);
        Assert.Equal([ids[2], ids[0]], (await GetAsync(client, "/v1/webhook_endpoints")).Json.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Another_merchants_endpoint_is_missing_like_an_unknown_id()
    {
        var id = (await PostAsync(A, "/v1/webhook_endpoints", $$"""{"url": "{{PublicUrl}}", "enabled_events": ["payment.created"]}""")).Json.GetProperty("id").GetString()!;

        foreach (var (method, path) in new[] { (HttpMethod.Get, $"/v1/webhook_endpoints/{id}"), (HttpMethod.Delete, $"/v1/webhook_endpoints/{id}"), (HttpMethod.Get, $"/v1/webhook_endpoints/{id}/attempts") })
        {
            var foreign = await SendAsync(B, method, path);
            Assert.Equal(HttpStatusCode.NotFound, foreign.Status);
            Assert.Equal("resource_missing", foreign.ErrorCode);
        }

        Assert.DoesNotContain((await GetAsync(B, "/v1/webhook_endpoints?limit=100")).Json.GetProperty("data").EnumerateArray(), e => e.GetProperty("id").GetString() == id);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(B, $"/v1/webhook_endpoints?starting_after={id}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(A, $"/v1/webhook_endpoints/{id}")).Status);
    }

    [Fact]
    public async Task A_new_endpoint_has_an_empty_attempt_log()
    {
        var id = (await PostAsync(A, "/v1/webhook_endpoints", $$"""{"url": "{{PublicUrl}}", "enabled_events": ["payment.created"]}""")).Json.GetProperty("id").GetString()!;

        var attempts = await GetAsync(A, $"/v1/webhook_endpoints/{id}/attempts");

        Assert.Equal(HttpStatusCode.OK, attempts.Status);
        Assert.Empty(attempts.Json.GetProperty("data").EnumerateArray());
        Assert.Equal($"/v1/webhook_endpoints/{id}/attempts", attempts.Json.GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("""{"enabled_events": ["payment.created"]}""", "parameter_missing", "url")]
    [InlineData("""{"url": "https://93.184.215.14/"}""", "parameter_missing", "enabled_events")]
    [InlineData("""{"url": "https://93.184.215.14/", "enabled_events": []}""", "parameter_missing", "enabled_events")]
    [InlineData("""{"url": "https://93.184.215.14/", "enabled_events": ["payment.created", "payment.authorized"]}""", "parameter_invalid", "enabled_events[1]")]
    [InlineData("""{"url": "http://93.184.215.14/", "enabled_events": ["payment.created"]}""", "url_invalid", "url")]
    [InlineData("""{"url": "http://localhost:5000/", "enabled_events": ["payment.created"]}""", "url_invalid", "url")]
    [InlineData("""{"url": "https://169.254.169.254/latest/meta-data", "enabled_events": ["payment.created"]}""", "url_forbidden", "url")]
    [InlineData("""{"url": "https://10.0.0.8/", "enabled_events": ["payment.created"]}""", "url_forbidden", "url")]
    [InlineData("""{"url": "https://[fd00::1]/", "enabled_events": ["payment.created"]}""", "url_forbidden", "url")]
    [InlineData("""{"url": "https://93.184.215.14/\u0000", "enabled_events": ["payment.created"]}""", "url_invalid", "url")]
    [InlineData("""{"url": "https://93.184.215.14/", "enabled_events": ["payment.created"], "secret": "mine"}""", "parameter_unknown", "secret")]
    public async Task Invalid_requests_are_400_with_a_code_and_the_param(string body, string code, string param)
    {
        var reply = await PostAsync(A, "/v1/webhook_endpoints", body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal((code, param), (reply.ErrorCode, reply.ErrorParam));
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_webhook_routes()
    {
        var document = (await GetAsync(Fixture.Anonymous, "/openapi/v1.json")).Json;
        var paths = document.GetProperty("paths");

        var create = paths.GetProperty("/v1/webhook_endpoints").GetProperty("post");
        Assert.True(create.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("400", out _));
        Assert.DoesNotContain(create.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray() : [], p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.True(paths.GetProperty("/v1/webhook_endpoints/{id}").TryGetProperty("delete", out _));
        var attempts = paths.GetProperty("/v1/webhook_endpoints/{id}/attempts").GetProperty("get");
        Assert.Equal(["limit", "starting_after"], attempts.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).Where(n => n != "id").Order(StringComparer.Ordinal));
        var request = create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        if (request.TryGetProperty("$ref", out var reference))
        {
            request = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
        }

        Assert.Equal(["enabled_events", "url"], request.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
    }

    private async Task<HttpClient> NewMerchantAsync()
    {
        var merchants = Fixture.Factory.Services.GetRequiredService<Api.Merchants.MerchantStore>();
        var key = await merchants.CreateKeyAsync("acct_wh_" + Guid.NewGuid().ToString("N")[..12], CancellationToken.None);
        return Fixture.ClientWithKey(key);
    }

    private static async Task<Reply> SendAsync(HttpClient client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        using var response = await client.SendAsync(request);
        return await Reply.ReadAsync(response);
    }
}

public sealed class WebhookEndpointsApiTestsSqlite(SqliteApiFixture fixture) : WebhookEndpointsApiTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class WebhookEndpointsApiTestsPostgres(PostgresApiFixture fixture) : WebhookEndpointsApiTests(fixture), IClassFixture<PostgresApiFixture>;
