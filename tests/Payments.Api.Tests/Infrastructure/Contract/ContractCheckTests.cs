using System.Text;
using Microsoft.AspNetCore.Http;

namespace Payments.Api.Tests.Infrastructure.Contract;

/// <summary>The check every test service runs finds what breaks the document, and passes what keeps it.</summary>
public sealed class ContractCheckTests(SqliteApiFixture fixture) : ApiTestBase(fixture), IClassFixture<SqliteApiFixture>
{
    private async Task<ApiDocument> DocumentAsync() => new(await Fixture.Anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));

    private static List<string> Check(ApiDocument document, string method, string path, int status, string body, HeaderDictionary? headers = null) =>
        ContractCheck.Check(document, method, path, status, "application/json", headers ?? [], Encoding.UTF8.GetBytes(body)).ToList();

    [Fact]
    public async Task A_real_response_passes()
    {
        var document = await DocumentAsync();
        var payment = await CreatePaymentAsync();

        Assert.Empty(Check(document, "GET", $"/v1/payments/{payment.GetProperty("id").GetString()}", 200, payment.GetRawText()));
        Assert.True(Fixture.Factory.Contract.CheckedResponses > 0);
    }

    [Fact]
    public async Task A_missing_member_a_stray_member_and_a_wrong_enum_are_violations()
    {
        var document = await DocumentAsync();
        var payment = (await CreatePaymentAsync()).GetRawText();

        Assert.Contains(Check(document, "GET", "/v1/payments/pay_x", 200, payment.Replace("\"status\":\"succeeded\",", "", StringComparison.Ordinal)), v => v.Contains("status", StringComparison.Ordinal));
        Assert.NotEmpty(Check(document, "GET", "/v1/payments/pay_x", 200, payment.Replace("\"id\":", "\"extra\":1,\"id\":", StringComparison.Ordinal)));
        Assert.NotEmpty(Check(document, "GET", "/v1/payments/pay_x", 200, payment.Replace("\"succeeded\"", "\"settled\"", StringComparison.Ordinal)));
        Assert.NotEmpty(Check(document, "GET", "/v1/payments/pay_x", 200, payment.Replace("\"amount_captured\":", "\"amountCaptured\":", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Undocumented_statuses_and_untrue_Allow_headers_are_violations()
    {
        var document = await DocumentAsync();
        const string error = """{"error":{"type":"invalid_request_error","code":"x","message":"m"}}""";

        Assert.Contains(Check(document, "GET", "/v1/balance", 418, error), v => v.Contains("not documented", StringComparison.Ordinal));
        Assert.NotEmpty(Check(document, "GET", "/v1/balance", 400, """{"error":{"code":"x"}}"""));
        Assert.NotEmpty(Check(document, "PUT", "/v1/balance", 404, error));
        Assert.NotEmpty(Check(document, "PUT", "/v1/balance", 405, error, new HeaderDictionary { ["Allow"] = "GET" }));
        Assert.Empty(Check(document, "PUT", "/v1/balance", 405, error, new HeaderDictionary { ["Allow"] = "GET, HEAD" }));
        Assert.NotEmpty(Check(document, "GET", "/v1/charges", 200, "{}"));
        Assert.NotEmpty(Check(document, "POST", "/v1/payments", 429, error));
    }
}
