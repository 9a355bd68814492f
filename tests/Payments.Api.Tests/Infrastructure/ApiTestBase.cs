using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>Helpers for HTTP tests; the ledger invariant is asserted after every test.</summary>
public abstract class ApiTestBase(ApiFixture fixture) : IAsyncLifetime
{
    public const string Visa = "4242424242424242";

    protected ApiFixture Fixture { get; } = fixture;

    protected HttpClient A => Fixture.MerchantA;

    protected HttpClient B => Fixture.MerchantB;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Fixture.Factory.Contract.AssertNoViolations();
        await LedgerInvariant.AssertAsync(Fixture.Factory.Services);
    }

    public static string PaymentBody(long amount = 1999, string currency = "usd", bool capture = true, string number = Visa, string? extra = null) =>
        $$$"""{"amount": {{{amount}}}, "currency": "{{{currency}}}", "capture": {{{(capture ? "true" : "false")}}}, "payment_method": {"card": {"number": "{{{number}}}", "exp_month": 12, "exp_year": {{{DateTime.UtcNow.Year + 3}}}, "cvc": "123"}}{{{extra}}}}""";

    public static async Task<Reply> PostAsync(HttpClient client, string path, string? json, string? idempotencyKey = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        return await Reply.ReadAsync(response);
    }

    public static async Task<Reply> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return await Reply.ReadAsync(response);
    }

    protected async Task<JsonElement> CreatePaymentAsync(HttpClient? client = null, long amount = 1999, string currency = "usd", bool capture = true)
    {
        var reply = await PostAsync(client ?? A, "/v1/payments", PaymentBody(amount, currency, capture));
        Assert.Equal(HttpStatusCode.Created, reply.Status);
        return reply.Json;
    }
}

public sealed record Reply(HttpStatusCode Status, string Body, HttpResponseHeaders Headers, string? ContentType)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? ErrorType => Json.GetProperty("error").GetProperty("type").GetString();

    public string? ErrorCode => Json.GetProperty("error").GetProperty("code").GetString();

    public string? ErrorParam => Json.GetProperty("error").TryGetProperty("param", out var param) ? param.GetString() : null;

    public static async Task<Reply> ReadAsync(HttpResponseMessage response) =>
        new(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers, response.Content.Headers.ContentType?.MediaType);

    public override string ToString() => $"{(int)Status} {Body}";
}
