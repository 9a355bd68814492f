using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Payments.Api.Http;
using Payments.Api.Idempotency;
using Payments.Api.Merchants;

namespace Payments.Api.Payments;

public static class PaymentsApi
{
    public const string SecuritySchemeName = "bearer";

    private static readonly string[] ListParameters = ["limit", "starting_after"];

    /// <summary>Maps every <c>/v1</c> route; authentication and rate limiting apply to the whole group.</summary>
    public static RouteGroupBuilder MapPaymentsApi(this IEndpointRouteBuilder routes)
    {
        // One filter instance for all routes: AddEndpointFilter<T>() would construct it (and its
        // rate limiter) on every request, so no bucket would ever fill.
        var filter = routes.ServiceProvider.GetRequiredService<MerchantAuthenticationFilter>();
        var v1 = routes.MapGroup("/v1").AddEndpointFilter(filter).AddEndpointFilter(new UnknownQueryParameterFilter()).WithTags("payments");
        v1.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            operation.Security ??= [];
            operation.Security.Add(new Microsoft.OpenApi.OpenApiSecurityRequirement
            {
                [new Microsoft.OpenApi.OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [],
            });
            return Task.CompletedTask;
        });

        // Each handler's Results<...> signature is its list of documented statuses and bodies.
        v1.MapPost("/payments", CreateAsync)
            .WithName("CreatePayment")
            .AcceptsJsonBody<CreatePaymentRequest>();
        v1.MapGet("/payments", ListAsync)
            .WithName("ListPayments")
            .WithQueryParameters("limit", "starting_after");
        v1.MapGet("/payments/{id}", GetAsync)
            .WithName("GetPayment");
        v1.MapPost("/payments/{id}/capture", CaptureAsync)
            .WithName("CapturePayment")
            .AcceptsJsonBody<CapturePaymentRequest>();
        v1.MapPost("/payments/{id}/cancel", CancelAsync)
            .WithName("CancelPayment");
        v1.MapPost("/payments/{id}/refunds", RefundAsync)
            .WithName("CreateRefund")
            .AcceptsJsonBody<CreateRefundRequest>();
        v1.MapGet("/payments/{id}/refunds", ListRefundsAsync)
            .WithName("ListRefunds")
            .WithQueryParameters("limit", "starting_after");
        v1.MapGet("/balance", BalanceAsync)
            .WithName("GetBalance");

        // Unknown /v1 paths answer like unknown objects (a known path with another method: 405), after authentication like everything else.
        v1.MapFallback(RouteFallback.Answer).WithMetadata(QueryParameters.Unchecked).ExcludeFromDescription();
        return v1;
    }

    /// <summary>
    /// Documents the JSON body without <c>Accepts</c> metadata: that metadata makes routing reject
    /// other content types before our handler runs, and the request would then fall through to the
    /// 404 fallback instead of getting the typed 415 (or, for an empty body, being served).
    /// </summary>
    private static RouteHandlerBuilder AcceptsJsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
            {
                Required = typeof(T) == typeof(CreatePaymentRequest),
                Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = schema },
                },
            };
        });

    private static async Task<Results<JsonCreated<PaymentResource>, ErrorResult<Status402>, ErrorResult<Status400>, ErrorResult<Status409>, ApiResult>> CreateAsync(
        HttpContext context, PaymentService payments, CardFingerprinter cards, TimeProvider time)
    {
        var merchantId = MerchantAuthenticationFilter.MerchantId(context);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var request = body.Deserialize(PaymentsJson.Context.CreatePaymentRequest);
        var payment = PaymentValidation.Validate(request, time.GetUtcNow());
        StorableText.Check(payment);
        var idempotency = IdempotencyRequest.From(context.Request, body, cards);
        return await payments.CreateAsync(merchantId, payment, idempotency, context.RequestAborted) switch
        {
            PaymentOutcome.Created created => new JsonCreated<PaymentResource>(created.Body.Utf8),
            PaymentOutcome.Declined declined => new ErrorResult<Status402>(PaymentResponses.Declined(declined.Payment)),
            PaymentOutcome.Replayed replayed => PaymentResponses.Replay(replayed),
            PaymentOutcome.IdempotencyKeyInUse => new ErrorResult<Status409>(PaymentResponses.KeyInUse()),
            PaymentOutcome.IdempotencyKeyReused reused => new ErrorResult<Status400>(PaymentResponses.KeyReused(reused)),
            var other => throw Unexpected(other),
        };
    }

    private static async Task<Results<JsonOk<PaymentResource>, ErrorResult<Status400>, ErrorResult<Status404>, ErrorResult<Status409>, ApiResult>> CaptureAsync(
        HttpContext context, string id, PaymentService payments)
    {
        var merchantId = MerchantAuthenticationFilter.MerchantId(context);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var request = body.Deserialize(PaymentsJson.Context.CapturePaymentRequest);
        var amount = request.Amount is { } value ? PaymentValidation.CheckAmount(value, "amount") : (long?)null;
        var idempotency = IdempotencyRequest.From(context.Request, body);
        return ChangeResult(await payments.CaptureAsync(merchantId, id, amount, idempotency, context.RequestAborted));
    }

    private static async Task<Results<JsonOk<PaymentResource>, ErrorResult<Status400>, ErrorResult<Status404>, ErrorResult<Status409>, ApiResult>> CancelAsync(
        HttpContext context, string id, PaymentService payments)
    {
        var merchantId = MerchantAuthenticationFilter.MerchantId(context);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        if (!body.IsEmpty)
        {
            // Cancel takes no parameters; an empty object is accepted, anything else is unknown.
            body.Deserialize(PaymentsJson.Context.CancelPaymentRequest);
        }

        var idempotency = IdempotencyRequest.From(context.Request, body);
        return ChangeResult(await payments.CancelAsync(merchantId, id, idempotency, context.RequestAborted));
    }

    private static async Task<Results<JsonCreated<RefundResource>, ErrorResult<Status400>, ErrorResult<Status404>, ErrorResult<Status409>, ApiResult>> RefundAsync(
        HttpContext context, string id, PaymentService payments)
    {
        var merchantId = MerchantAuthenticationFilter.MerchantId(context);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var request = body.Deserialize(PaymentsJson.Context.CreateRefundRequest);
        var amount = request.Amount is { } value ? PaymentValidation.CheckAmount(value, "amount") : (long?)null;
        var reason = PaymentValidation.ValidateRefundReason(request.Reason);
        var idempotency = IdempotencyRequest.From(context.Request, body);
        return await payments.RefundAsync(merchantId, id, amount, reason, idempotency, context.RequestAborted) switch
        {
            PaymentOutcome.Refunded refunded => new JsonCreated<RefundResource>(refunded.Body.Utf8),
            var other => ChangeResult(other) switch
            {
                { Result: ErrorResult<Status400> error } => error,
                { Result: ErrorResult<Status404> error } => error,
                { Result: ErrorResult<Status409> error } => error,
                { Result: ApiResult replay } => replay,
                _ => throw Unexpected(other),
            },
        };
    }

    private static async Task<Results<JsonOk<PaymentResource>, ErrorResult<Status404>>> GetAsync(HttpContext context, string id, PaymentService payments) =>
        await payments.GetAsync(MerchantAuthenticationFilter.MerchantId(context), id, context.RequestAborted) is { } payment
            ? new JsonOk<PaymentResource>(payment.ToResource(), PaymentsJson.Context.PaymentResource)
            : new ErrorResult<Status404>(PaymentResponses.NoSuchPayment(id));

    private static async Task<Results<JsonOk<ListResource<PaymentResource>>, ErrorResult<Status400>>> ListAsync(HttpContext context, PaymentService payments)
    {
        var (limit, startingAfter) = ReadListQuery(context.Request);
        var page = await payments.ListAsync(MerchantAuthenticationFilter.MerchantId(context), limit, startingAfter, context.RequestAborted);
        return page is null
            ? new ErrorResult<Status400>(PaymentResponses.NoSuchPayment(startingAfter!, "starting_after"))
            : new JsonOk<ListResource<PaymentResource>>(
                new ListResource<PaymentResource>("list", page.Data.Select(p => p.ToResource()).ToList(), page.HasMore, "/v1/payments"),
                PaymentsJson.Context.ListResourcePaymentResource);
    }

    private static async Task<Results<JsonOk<ListResource<RefundResource>>, ErrorResult<Status400>, ErrorResult<Status404>>> ListRefundsAsync(HttpContext context, string id, PaymentService payments)
    {
        var (limit, startingAfter) = ReadListQuery(context.Request);
        var merchantId = MerchantAuthenticationFilter.MerchantId(context);
        if (await payments.GetAsync(merchantId, id, context.RequestAborted) is null)
        {
            return new ErrorResult<Status404>(PaymentResponses.NoSuchPayment(id));
        }

        var page = await payments.ListRefundsAsync(merchantId, id, limit, startingAfter, context.RequestAborted);
        return page is null
            ? new ErrorResult<Status400>(PaymentResponses.NoSuchRefund(startingAfter!))
            : new JsonOk<ListResource<RefundResource>>(
                new ListResource<RefundResource>("list", page.Data.Select(r => r.ToResource()).ToList(), page.HasMore, $"/v1/payments/{id}/refunds"),
                PaymentsJson.Context.ListResourceRefundResource);
    }

    private static async Task<JsonOk<BalanceResource>> BalanceAsync(HttpContext context, PaymentService payments)
    {
        RejectUnknownQuery(context.Request, []);
        var balances = await payments.BalanceAsync(MerchantAuthenticationFilter.MerchantId(context), context.RequestAborted);
        return new JsonOk<BalanceResource>(
            new BalanceResource("balance", balances.Select(b => new BalanceCurrency(b.Currency, b.Captured, b.Refunded, b.Net)).ToList()),
            PaymentsJson.Context.BalanceResource);
    }

    /// <summary>What a capture or cancel (and a refund's rejections) answer.</summary>
    private static Results<JsonOk<PaymentResource>, ErrorResult<Status400>, ErrorResult<Status404>, ErrorResult<Status409>, ApiResult> ChangeResult(PaymentOutcome outcome) => outcome switch
    {
        PaymentOutcome.Changed changed => new JsonOk<PaymentResource>(changed.Body.Utf8),
        PaymentOutcome.Replayed replayed => PaymentResponses.Replay(replayed),
        PaymentOutcome.PaymentNotFound missing => new ErrorResult<Status404>(PaymentResponses.NoSuchPayment(missing.PaymentId)),
        PaymentOutcome.UnexpectedState state => new ErrorResult<Status400>(PaymentResponses.UnexpectedState(state)),
        PaymentOutcome.AmountTooLarge tooLarge => new ErrorResult<Status400>(PaymentResponses.AmountTooLarge(tooLarge)),
        PaymentOutcome.AlreadyRefunded refunded => new ErrorResult<Status400>(PaymentResponses.AlreadyRefunded(refunded)),
        PaymentOutcome.IdempotencyKeyReused reused => new ErrorResult<Status400>(PaymentResponses.KeyReused(reused)),
        PaymentOutcome.IdempotencyKeyInUse => new ErrorResult<Status409>(PaymentResponses.KeyInUse()),
        PaymentOutcome.ConcurrentChange change => new ErrorResult<Status409>(PaymentResponses.ConcurrentChange(change)),
        _ => throw Unexpected(outcome),
    };

    private static InvalidOperationException Unexpected(PaymentOutcome outcome) =>
        new($"the operation cannot end in {outcome.GetType().Name}");

    private static (int Limit, string? StartingAfter) ReadListQuery(HttpRequest request)
    {
        RejectUnknownQuery(request, ListParameters);
        var limit = 10;
        if (request.Query.TryGetValue("limit", out var limitValues))
        {
            if (limitValues.Count != 1
                || !int.TryParse(limitValues[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit)
                || limit is < 1 or > PaymentService.MaxListLimit)
            {
                throw ApiException.Invalid("parameter_invalid", $"limit must be an integer between 1 and {PaymentService.MaxListLimit}.", "limit");
            }
        }

        string? startingAfter = null;
        if (request.Query.TryGetValue("starting_after", out var afterValues))
        {
            if (afterValues.Count != 1 || string.IsNullOrEmpty(afterValues[0]) || afterValues[0]!.Length > 255)
            {
                throw ApiException.Invalid("parameter_invalid", "starting_after must be one object id.", "starting_after");
            }

            startingAfter = afterValues[0];
        }

        return (limit, startingAfter);
    }

    private static void RejectUnknownQuery(HttpRequest request, string[] allowed)
    {
        foreach (var key in request.Query.Keys)
        {
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                throw ApiException.Invalid("parameter_unknown", $"Received unknown parameter: {key}.", key);
            }
        }
    }
}
