using System.Globalization;
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

        v1.MapPost("/payments", CreateAsync)
            .WithName("CreatePayment")
            .AcceptsJsonBody<CreatePaymentRequest>()
            .Produces<PaymentResource>(StatusCodes.Status201Created)
            .Produces<ErrorEnvelope>(StatusCodes.Status402PaymentRequired)
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status409Conflict);
        v1.MapGet("/payments", ListAsync)
            .WithName("ListPayments")
            .WithQueryParameters("limit", "starting_after")
            .Produces<ListResource<PaymentResource>>();
        v1.MapGet("/payments/{id}", GetAsync)
            .WithName("GetPayment")
            .Produces<PaymentResource>()
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        v1.MapPost("/payments/{id}/capture", CaptureAsync)
            .WithName("CapturePayment")
            .AcceptsJsonBody<CapturePaymentRequest>()
            .Produces<PaymentResource>()
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        v1.MapPost("/payments/{id}/cancel", CancelAsync)
            .WithName("CancelPayment")
            .Produces<PaymentResource>()
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        v1.MapPost("/payments/{id}/refunds", RefundAsync)
            .WithName("CreateRefund")
            .AcceptsJsonBody<CreateRefundRequest>()
            .Produces<RefundResource>(StatusCodes.Status201Created)
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        v1.MapGet("/payments/{id}/refunds", ListRefundsAsync)
            .WithName("ListRefunds")
            .WithQueryParameters("limit", "starting_after")
            .Produces<ListResource<RefundResource>>()
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        v1.MapGet("/balance", BalanceAsync)
            .WithName("GetBalance")
            .Produces<BalanceResource>();

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

    private static async Task<IResult> CreateAsync(HttpContext context, PaymentService payments, TimeProvider time)
    {
        var merchantId = MerchantAuthenticationFilter.MerchantId(context);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var request = body.Deserialize(PaymentsJson.Context.CreatePaymentRequest);
        var payment = PaymentValidation.Validate(request, time.GetUtcNow());
        var idempotency = IdempotencyRequest.From(context.Request, body);
        return await payments.CreateAsync(merchantId, payment, idempotency, context.RequestAborted);
    }

    private static async Task<IResult> CaptureAsync(HttpContext context, string id, PaymentService payments)
    {
        var merchantId = MerchantAuthenticationFilter.MerchantId(context);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var request = body.Deserialize(PaymentsJson.Context.CapturePaymentRequest);
        var amount = request.Amount is { } value ? PaymentValidation.CheckAmount(value, "amount") : (long?)null;
        var idempotency = IdempotencyRequest.From(context.Request, body);
        return await payments.CaptureAsync(merchantId, id, amount, idempotency, context.RequestAborted);
    }

    private static async Task<IResult> CancelAsync(HttpContext context, string id, PaymentService payments)
    {
        var merchantId = MerchantAuthenticationFilter.MerchantId(context);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        if (!body.IsEmpty)
        {
            // Cancel takes no parameters; an empty object is accepted, anything else is unknown.
            body.Deserialize(PaymentsJson.Context.CancelPaymentRequest);
        }

        var idempotency = IdempotencyRequest.From(context.Request, body);
        return await payments.CancelAsync(merchantId, id, idempotency, context.RequestAborted);
    }

    private static async Task<IResult> RefundAsync(HttpContext context, string id, PaymentService payments)
    {
        var merchantId = MerchantAuthenticationFilter.MerchantId(context);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var request = body.Deserialize(PaymentsJson.Context.CreateRefundRequest);
        var amount = request.Amount is { } value ? PaymentValidation.CheckAmount(value, "amount") : (long?)null;
        var reason = PaymentValidation.ValidateRefundReason(request.Reason);
        var idempotency = IdempotencyRequest.From(context.Request, body);
        return await payments.RefundAsync(merchantId, id, amount, reason, idempotency, context.RequestAborted);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string id, PaymentService payments) =>
        Results.Extensions.Json(StatusCodes.Status200OK, await payments.GetAsync(MerchantAuthenticationFilter.MerchantId(context), id, context.RequestAborted), PaymentsJson.Context.PaymentResource);

    private static async Task<IResult> ListAsync(HttpContext context, PaymentService payments)
    {
        var (limit, startingAfter) = ReadListQuery(context.Request);
        var list = await payments.ListAsync(MerchantAuthenticationFilter.MerchantId(context), limit, startingAfter, context.RequestAborted);
        return Results.Extensions.Json(StatusCodes.Status200OK, list, PaymentsJson.Context.ListResourcePaymentResource);
    }

    private static async Task<IResult> ListRefundsAsync(HttpContext context, string id, PaymentService payments)
    {
        var (limit, startingAfter) = ReadListQuery(context.Request);
        var list = await payments.ListRefundsAsync(MerchantAuthenticationFilter.MerchantId(context), id, limit, startingAfter, context.RequestAborted);
        return Results.Extensions.Json(StatusCodes.Status200OK, list, PaymentsJson.Context.ListResourceRefundResource);
    }

    private static async Task<IResult> BalanceAsync(HttpContext context, PaymentService payments)
    {
        RejectUnknownQuery(context.Request, []);
        var balance = await payments.BalanceAsync(MerchantAuthenticationFilter.MerchantId(context), context.RequestAborted);
        return Results.Extensions.Json(StatusCodes.Status200OK, balance, PaymentsJson.Context.BalanceResource);
    }

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
