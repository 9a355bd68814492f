using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Payments.Api.Acquiring;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Observability;

/// <summary>
/// Every answer carries <c>Request-Id</c>, the id the service logs the request under — the error
/// answers above all, which a merchant quotes to support: those written by the endpoints, by the
/// error middleware for exceptions (400, 413, 415, 500, 503), by the status-code pages and the
/// <c>/v1</c> fallback (404, 405), and by the authentication filter (401, 429).
/// </summary>
public sealed class RequestIdTests(SqliteApiFixture fixture) : ApiTestBase(fixture), IClassFixture<SqliteApiFixture>
{
    public static TheoryData<int> Statuses => [200, 201, 400, 401, 404, 405, 413, 415, 429, 500, 503];

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task Every_status_the_api_answers_carries_the_request_id(int status)
    {
        using var response = await ProvokeAsync(status);

        Assert.Equal(status, (int)response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("Request-Id"));
        Assert.False(string.IsNullOrWhiteSpace(requestId));
        if (status == 500)
        {
            // The one id links the answer, its message and the error log line.
            Assert.Contains(requestId, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    private async Task<HttpResponseMessage> ProvokeAsync(int status)
    {
        switch (status)
        {
            case 200:
                return await A.GetAsync(new Uri("/v1/balance", UriKind.Relative));
            case 201:
                return await A.PostAsync(new Uri("/v1/payments", UriKind.Relative), Json(PaymentBody()));
            case 400:
                return await A.PostAsync(new Uri("/v1/payments", UriKind.Relative), Json("{\"amount\": "));
            case 401:
                return await Fixture.Anonymous.GetAsync(new Uri("/v1/balance", UriKind.Relative));
            case 404:
                return await A.GetAsync(new Uri("/not-an-api-route", UriKind.Relative));
            case 405:
                return await A.DeleteAsync(new Uri("/v1/payments", UriKind.Relative));
            case 413:
                return await A.PostAsync(new Uri("/v1/payments", UriKind.Relative), Json(PaymentBody(extra: $", \"description\": \"{new string('x', 70_000)}\"")));
            case 415:
                return await A.PostAsync(new Uri("/v1/payments", UriKind.Relative), new StringContent(PaymentBody(), Encoding.UTF8, "text/plain"));
            case 429:
                return await RateLimitedAsync();
            case 500:
                return await WithFailingAcquirerAsync(() => new InvalidOperationException("acquirer bug"));
            case 503:
                return await WithFailingAcquirerAsync(() => new TimeoutException("acquirer timed out"));
            default:
                throw new ArgumentOutOfRangeException(nameof(status), status, "no way to provoke this status");
        }
    }

    private async Task<HttpResponseMessage> RateLimitedAsync()
    {
        using var factory = Fixture.Factory.WithWebHostBuilder(builder => builder
            .UseSetting("Payments:RateLimit:PermitsPerSecond", "1")
            .UseSetting("Payments:RateLimit:Burst", "1"));
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        for (var i = 0; i < 10; i++)
        {
            var response = await client.GetAsync(new Uri("/v1/balance", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            response.Dispose();
        }

        throw new InvalidOperationException("ten requests within the burst of one were all admitted");
    }

    private async Task<HttpResponseMessage> WithFailingAcquirerAsync(Func<Exception> failure)
    {
        using var factory = WithAcquirer(new FailingAcquirer(failure));
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        return await client.PostAsync(new Uri("/v1/payments", UriKind.Relative), Json(PaymentBody()));
    }

    private WebApplicationFactory<Program> WithAcquirer(IAcquirer acquirer) =>
        Fixture.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton(acquirer)));

    private static StringContent Json(string body) => new(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    /// <summary>An acquirer that fails every authorization with the given exception.</summary>
    private sealed class FailingAcquirer(Func<Exception> failure) : IAcquirer
    {
        public ValueTask<AuthorizationResult> AuthorizeAsync(CardDetails card, long amount, string currency, CancellationToken cancellationToken) =>
            ValueTask.FromException<AuthorizationResult>(failure());

        public ValueTask VoidAsync(string authorizationId, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
