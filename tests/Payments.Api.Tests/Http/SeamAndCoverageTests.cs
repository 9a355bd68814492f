using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Payments.Api.Acquiring;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Http;

/// <summary>
/// Checks that do not trust a hand-written list: the OpenAPI document against the routing table, the
/// acquirer seam with another implementation, and which failed requests leave no idempotency record.
/// </summary>
public abstract class SeamAndCoverageTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task OpenApi_describes_every_mapped_route_of_the_routing_table()
    {
        using var document = JsonDocument.Parse(await Fixture.Anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var paths = document.RootElement.GetProperty("paths");
        var routes = Fixture.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/v1/", StringComparison.Ordinal) || raw.StartsWith("/healthz", StringComparison.Ordinal)))
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Path: e.RoutePattern.RawText!, Method: m.ToLowerInvariant())))
            .ToList();

        Assert.True(routes.Count >= 10, $"only {routes.Count} routes mapped");
        foreach (var (path, method) in routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} is mapped but not in /openapi/v1.json");
        }
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

    public static TheoryData<string, string, string?, string?, string?> OddRequests() => new()
    {
        // method, path, Idempotency-Key, content type, body. (An empty key and a %00 in the path never
        // reach the app through TestServer; over Kestrel they are 400s, checked by hand in the audit.)
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

    private sealed class DecliningAcquirer : IAcquirer
    {
        public ValueTask<AuthorizationResult> AuthorizeAsync(CardDetails card, long amount, string currency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new AuthorizationResult(false, "processing_error", "try_again_later", "The acquirer is unavailable."));

        // It never approves, so there is never anything to void.
        public ValueTask VoidAsync(string authorizationId, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"nothing was authorized, {authorizationId} cannot be voided");
    }
}

public sealed class SeamAndCoverageTestsSqlite(SqliteApiFixture fixture) : SeamAndCoverageTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class SeamAndCoverageTestsPostgres(PostgresApiFixture fixture) : SeamAndCoverageTests(fixture), IClassFixture<PostgresApiFixture>;
