// Compiled at test time against the client that Kiota generates from the served OpenAPI document
// (GeneratedClientTests): it uses only what the document describes, as an integrator would.
using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using Payments.Client;
using Payments.Client.Models;
using Payments.Client.V1.Payments;
using Payments.Client.V1.Payments.Item.Capture;
using Payments.Client.V1.Payments.Item.Refunds;
using Xunit;

namespace Payments.Api.Tests.GeneratedClient;

public static class ReadmeFlow
{
    /// <summary>
    /// The README's flow through the generated client, on a merchant with no payments yet (the
    /// balance is asserted exactly). <paramref name="server"/> reaches the service; Kiota's own
    /// handlers (retry, header inspection, …) run in front of it, as in an integrator's process.
    /// </summary>
    public static async Task RunAsync(HttpMessageHandler server, Uri baseAddress, string apiKey)
    {
        using var http = KiotaClientFactory.Create(server);
        http.BaseAddress = baseAddress;
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        using var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http)
        {
            BaseUrl = baseAddress.ToString().TrimEnd('/'),
        };
        var api = new PaymentsClient(adapter);
        var year = DateTime.UtcNow.Year + 2;

        // Create (authorize only), then capture it all.
        var authorized = await api.V1.Payments.PostAsync(Body(2000, "4242424242424242", year, capture: false, "order 1042"));
        Assert.NotNull(authorized);
        Assert.Equal(PaymentResource_status.Requires_capture, authorized.Status);
        Assert.Equal(2000, authorized.AmountCapturable);
        Assert.Equal("4242", authorized.Card!.Last4);
        Assert.Equal("1042", authorized.Metadata!.AdditionalData["order_id"]);

        var captured = await api.V1.Payments[authorized.Id!].Capture.PostAsync(new CapturePostRequestBody());
        Assert.Equal(PaymentResource_status.Succeeded, captured!.Status);
        Assert.Equal(2000, captured.AmountCaptured);

        // A partial refund.
        var refund = await api.V1.Payments[authorized.Id!].Refunds.PostAsync(new RefundsPostRequestBody
        {
            Amount = 500,
            Reason = RefundsPostRequestBody_reason.Requested_by_customer,
        });
        Assert.Equal(500, refund!.Amount);
        Assert.Equal(authorized.Id, refund.Payment);
        Assert.Equal(RefundResource_reason.Requested_by_customer, refund.Reason);
        Assert.Equal(RefundResource_status.Succeeded, refund.Status);

        // A decline: 402 with the error object, the payment stored as failed.
        var decline = await Assert.ThrowsAsync<ErrorEnvelope>(() => api.V1.Payments.PostAsync(Body(700, "4000000000000002", year, capture: true, null)));
        Assert.Equal(402, decline.ResponseStatusCode);
        Assert.Equal(ErrorBody_type.Card_error, decline.Error!.Type);
        Assert.Equal("generic_decline", decline.Error.DeclineCode);
        Assert.NotNull(decline.Error.PaymentId);

        // An idempotent replay: the same key and body answer the stored first response, marked as replayed.
        var first = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        var replay = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        var once = await api.V1.Payments.PostAsync(Body(1500, "4242424242424242", year, capture: true, null), config => WithKey(config, first));
        var again = await api.V1.Payments.PostAsync(Body(1500, "4242424242424242", year, capture: true, null), config => WithKey(config, replay));
        Assert.Equal(once!.Id, again!.Id);
        Assert.False(first.ResponseHeaders.ContainsKey("Idempotent-Replayed"));
        Assert.Equal(["true"], replay.ResponseHeaders["Idempotent-Replayed"]);

        // List: newest first, paged with limit and starting_after.
        var page = await api.V1.Payments.GetAsync(config => config.QueryParameters.Limit = 2);
        Assert.Equal(ListResourceOfPaymentResource_object.List, page!.Object);
        Assert.True(page.HasMore);
        Assert.Equal([once.Id, decline.Error.PaymentId], page.Data!.Select(p => p.Id));
        var rest = await api.V1.Payments.GetAsync(config =>
        {
            config.QueryParameters.Limit = 10;
            config.QueryParameters.StartingAfter = page.Data![^1].Id;
        });
        Assert.False(rest!.HasMore);
        Assert.Equal([authorized.Id], rest.Data!.Select(p => p.Id));
        var failed = await api.V1.Payments[decline.Error.PaymentId!].GetAsync();
        Assert.Equal(PaymentResource_status.Failed, failed!.Status);
        var refunds = await api.V1.Payments[authorized.Id!].Refunds.GetAsync();
        Assert.Equal([refund.Id], refunds!.Data!.Select(r => r.Id));

        // Balance from the ledger: 2000 + 1500 captured, 500 refunded.
        var balance = await api.V1.Balance.GetAsync();
        var usd = Assert.Single(balance!.Currencies!);
        Assert.Equal(BalanceCurrency_currency.Usd, usd.Currency);
        Assert.Equal(3500, usd.Captured);
        Assert.Equal(500, usd.Refunded);
        Assert.Equal(3000, usd.Net);
    }

    private static void WithKey(RequestConfiguration<DefaultQueryParameters> config, HeadersInspectionHandlerOption inspection)
    {
        config.Headers.Add("Idempotency-Key", "readme-flow-replay");
        config.Options.Add(inspection);
    }

    private static PaymentsPostRequestBody Body(long amount, string number, int year, bool capture, string? order) => new()
    {
        Amount = amount,
        Currency = PaymentsPostRequestBody_currency.Usd,
        Capture = capture,
        Description = order,
        Metadata = order is null ? null : new PaymentsPostRequestBody_metadata { AdditionalData = { ["order_id"] = order.Split(' ')[1] } },
        PaymentMethod = new PaymentsPostRequestBody_payment_method
        {
            Card = new PaymentsPostRequestBody_payment_method_card { Number = number, ExpMonth = 12, ExpYear = year, Cvc = "123" },
        },
    };
}
