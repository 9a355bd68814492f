using System.Text.Json;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Payments;

/// <summary>
/// The statuses and bodies the document gives each operation come from the handlers'
/// <c>Results&lt;…&gt;</c> signatures: every outcome a handler can map to is there, with its schema.
/// </summary>
public sealed class PaymentsApiDocumentTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    public static TheoryData<string, string, string> Operations() => new()
    {
        { "/v1/payments", "post", "201:PaymentResource 400:ErrorEnvelope 402:ErrorEnvelope 409:ErrorEnvelope" },
        { "/v1/payments", "get", "200:ListResourceOfPaymentResource 400:ErrorEnvelope" },
        { "/v1/payments/{id}", "get", "200:PaymentResource 404:ErrorEnvelope" },
        { "/v1/payments/{id}/capture", "post", "200:PaymentResource 400:ErrorEnvelope 404:ErrorEnvelope 409:ErrorEnvelope" },
        { "/v1/payments/{id}/cancel", "post", "200:PaymentResource 400:ErrorEnvelope 404:ErrorEnvelope 409:ErrorEnvelope" },
        { "/v1/payments/{id}/refunds", "post", "201:RefundResource 400:ErrorEnvelope 404:ErrorEnvelope 409:ErrorEnvelope" },
        { "/v1/payments/{id}/refunds", "get", "200:ListResourceOfRefundResource 400:ErrorEnvelope 404:ErrorEnvelope" },
        { "/v1/balance", "get", "200:BalanceResource" },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Each_operation_documents_the_statuses_of_its_handler_signature(string path, string method, string expected)
    {
        using var document = JsonDocument.Parse(await fixture.Anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var responses = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");

        var documented = responses.EnumerateObject().Select(r => r.Name + ":" + SchemaName(r.Value)).ToHashSet(StringComparer.Ordinal);

        // The signature's statuses are all there; the API-wide answers (401, 429, 503…) are added for every operation
        // by the document's transformer (OpenApiDocumentTests holds those).
        Assert.All(expected.Split(' '), status => Assert.Contains(status, documented));
    }

    private static string SchemaName(JsonElement response) =>
        response.TryGetProperty("content", out var content) && content.TryGetProperty("application/json", out var json)
            ? json.GetProperty("schema").GetProperty("$ref").GetString()!.Split('/')[^1]
            : "(no body)";
}
