using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Http;

/// <summary>
/// HTTP around the routes: unknown query parameters on every operation, methods (405 with Allow,
/// HEAD wherever GET is served), and bodies the API cannot read as sent (Content-Encoding).
/// </summary>
public abstract class HttpSemanticsTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task Every_operation_of_the_document_rejects_an_unknown_query_parameter()
    {
        var document = JsonDocument.Parse(await Fixture.Anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative))).RootElement;
        var id = (await CreatePaymentAsync(capture: false)).GetProperty("id").GetString();
        var operations = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/v1/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var url = path.Name.Replace("{id}", id, StringComparison.Ordinal) + "?amount=1";
                using var request = new HttpRequestMessage(new HttpMethod(operation.Name.ToUpperInvariant()), new Uri(url, UriKind.Relative));
                using var response = await A.SendAsync(request);
                var reply = await Reply.ReadAsync(response);

                Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{operation.Name} {url}: {reply}");
                Assert.Equal("parameter_unknown", reply.ErrorCode);
                Assert.Equal("amount", reply.ErrorParam);
                operations++;
            }
        }

        // 8 payment operations, the 2 of events and the 5 of webhook endpoints.
        Assert.Equal(15, operations);
        // Nothing was captured, canceled or refunded by the POSTs above.
        var payment = (await GetAsync(A, $"/v1/payments/{id}")).Json;
        Assert.Equal("requires_capture", payment.GetProperty("status").GetString());
        Assert.Equal(0, payment.GetProperty("amount_captured").GetInt64());
    }

    [Fact]
    public async Task Refund_with_an_amount_in_the_query_is_refused_not_a_full_refund()
    {
        var id = (await CreatePaymentAsync(amount: 5000)).GetProperty("id").GetString();

        var refund = await PostAsync(A, $"/v1/payments/{id}/refunds?amount=1", null);
        var capture = await PostAsync(A, $"/v1/payments/{(await CreatePaymentAsync(capture: false)).GetProperty("id").GetString()}/capture?amount=1", null);

        Assert.Equal(HttpStatusCode.BadRequest, refund.Status);
        Assert.Equal("parameter_unknown", refund.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, capture.Status);
        Assert.Equal(0, (await GetAsync(A, $"/v1/payments/{id}")).Json.GetProperty("amount_refunded").GetInt64());
    }

    [Theory]
    [InlineData("PUT", "/v1/payments", "GET, HEAD, POST")]
    [InlineData("DELETE", "/v1/payments/pay_any", "GET, HEAD")]
    [InlineData("GET", "/v1/payments/pay_any/capture", "POST")]
    [InlineData("PATCH", "/v1/payments/pay_any/refunds", "GET, HEAD, POST")]
    [InlineData("POST", "/v1/balance", "GET, HEAD")]
    public async Task A_wrong_method_on_an_existing_route_is_405_with_Allow(string method, string path, string allow)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        using var response = await A.SendAsync(request);
        var reply = await Reply.ReadAsync(response);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, reply.Status);
        Assert.Equal("method_not_allowed", reply.ErrorCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task Another_spelling_of_a_documented_route_is_404_and_moves_nothing()
    {
        // Routing alone would run these (it ignores case and a trailing slash); the document knows no such paths.
        var id = (await CreatePaymentAsync(capture: false)).GetProperty("id").GetString();

        foreach (var path in new[] { $"/V1/PAYMENTS/{id}/CAPTURE", $"/v1/payments/{id}/capture/", $"/v1/Payments/{id}/capture" })
        {
            var reply = await PostAsync(A, path, """{"amount": 500}""", "spelling-" + Guid.NewGuid().ToString("N"));

            Assert.Equal(HttpStatusCode.NotFound, reply.Status);
            Assert.Equal("resource_missing", reply.ErrorCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(A, $"/v1/payments/{id}/")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(A, "/V1/BALANCE")).Status);
        var payment = await GetAsync(A, $"/v1/payments/{id}");
        Assert.Equal(0, payment.Json.GetProperty("amount_captured").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(A, $"/v1/payments/{id}/capture", """{"amount": 500}""")).Status);
    }

    [Fact]
    public async Task An_unknown_route_is_still_404()
    {
        var reply = await GetAsync(A, "/v1/charges?limit=3");

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal("resource_missing", reply.ErrorCode);
    }

    [Theory]
    [InlineData("/v1/balance")]
    [InlineData("/v1/payments?limit=2")]
    [InlineData("/v1/payments/pay_missing")]
    public async Task HEAD_is_served_wherever_GET_is_with_the_same_headers_and_no_body(string path)
    {
        await CreatePaymentAsync();
        using var get = await A.GetAsync(new Uri(path, UriKind.Relative));
        using var head = await A.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(path, UriKind.Relative)));

        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Equal((await get.Content.ReadAsByteArrayAsync()).Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("compress")]
    public async Task A_body_with_a_Content_Encoding_is_415(string encoding)
    {
        using var content = new StringContent(PaymentBody(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add(encoding);

        using var response = await A.PostAsync(new Uri("/v1/payments", UriKind.Relative), content);
        var reply = await Reply.ReadAsync(response);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, reply.Status);
        Assert.Equal("unsupported_media_type", reply.ErrorCode);
    }

    [Fact]
    public async Task An_identity_Content_Encoding_is_plain_JSON()
    {
        using var content = new StringContent(PaymentBody(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("identity");

        using var response = await A.PostAsync(new Uri("/v1/payments", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}

public sealed class HttpSemanticsTestsSqlite(SqliteApiFixture fixture) : HttpSemanticsTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class HttpSemanticsTestsPostgres(PostgresApiFixture fixture) : HttpSemanticsTests(fixture), IClassFixture<PostgresApiFixture>;
