using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Payments.Api.Hosting;
using Payments.Api.Idempotency;
using Payments.Api.Payments;

namespace Payments.Api.Http;

/// <summary>
/// The served OpenAPI document (<c>/openapi/v1.json</c>) describes the wire exactly: the schemas come
/// from the wire types under the API's own serializer settings (snake_case), and these transformers
/// add what the types cannot say — requiredness, ranges and lengths (from the validation rules'
/// constants), closed objects, enums, every error status with the error object, the query and header
/// parameters, and examples.
/// </summary>
public static class PaymentsOpenApi
{
    private const string ErrorSchemaId = "ErrorEnvelope";

    private static readonly IReadOnlyList<string> PaymentStatuses = ["requires_capture", "succeeded", "canceled", "failed"];

    /// <summary>Registers the serializer settings the document is generated with, and the document's transformers.</summary>
    public static IServiceCollection AddPaymentsOpenApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(options =>
        {
            // The document's schemas are built from these options: they must name members as the wire does.
            var wire = PaymentsJsonContext.Default.Options;
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, PaymentsJson.Context);
            options.SerializerOptions.PropertyNamingPolicy = wire.PropertyNamingPolicy;
            options.SerializerOptions.DictionaryKeyPolicy = wire.DictionaryKeyPolicy;
            options.SerializerOptions.UnmappedMemberHandling = wire.UnmappedMemberHandling;
            options.SerializerOptions.NumberHandling = wire.NumberHandling;
            options.SerializerOptions.RespectNullableAnnotations = wire.RespectNullableAnnotations;
            options.SerializerOptions.RespectRequiredConstructorParameters = wire.RespectRequiredConstructorParameters;
        });
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer(TransformDocumentAsync);
            options.AddSchemaTransformer(TransformSchemaAsync);
            options.AddOperationTransformer(TransformOperationAsync);
        });
        return services;
    }

    private static Task TransformDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Payments API",
            Version = "v1",
            Description = "A Stripe-shaped payments API: JSON in and out, snake_case, amounts as integers in the currency's minor unit.",
        };

        // Relative: the document is served by the API it describes, whatever host or proxy the client used.
        document.Servers = [new OpenApiServer { Url = "/" }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[PaymentsApi.SecuritySchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The merchant's secret key: Authorization: Bearer sk_...",
        };
        return Task.CompletedTask;
    }

    private static Task TransformSchemaAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is { } property)
        {
            ConstrainProperty(schema, property.DeclaringType, property.Name, context.ApplicationServices);
        }

        var type = context.JsonTypeInfo.Type;
        if (type.Namespace is not ("Payments.Api.Payments" or "Payments.Api.Http" or "Payments.Api.Webhooks") || context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return Task.CompletedTask;
        }

        // Every wire object is closed: requests because unknown members are rejected, responses
        // because they carry exactly these members.
        schema.AdditionalPropertiesAllowed = false;
        schema.AdditionalProperties = null;
        var names = context.JsonTypeInfo.Properties.Select(p => p.Name).ToList();
        IEnumerable<string> required = type.Name switch
        {
            nameof(CreatePaymentRequest) => ["amount", "currency", "payment_method"],
            nameof(PaymentMethodRequest) => ["card"],
            nameof(CardRequest) => names,
            nameof(CapturePaymentRequest) or nameof(CreateRefundRequest) or nameof(CancelPaymentRequest) => [],
            // Responses: every member is always written (null where it has no value), except the
            // error's optional members, which are left out when absent.
            nameof(ErrorBody) => ["type", "code", "message"],
            nameof(Webhooks.CreateWebhookEndpointRequest) => ["url", "enabled_events"],
            // The secret is in the creation response only.
            nameof(Webhooks.WebhookEndpointResource) => names.Where(n => n != "secret"),
            _ => names,
        };
        schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
        foreach (var name in schema.Required)
        {
            // Request members are nullable in .NET only so that "missing" is told apart; null is refused.
            if (schema.Properties is { } members && members.TryGetValue(name, out var found) && found is OpenApiSchema { Type: { } memberType } member && type.Name.EndsWith("Request", StringComparison.Ordinal))
            {
                member.Type = memberType & ~JsonSchemaType.Null;
            }
        }

        if (ExampleOf(type, context.ApplicationServices.GetRequiredService<TimeProvider>().GetUtcNow().Year + 4) is { } example)
        {
            schema.Examples = [example];
        }
        return Task.CompletedTask;
    }

    private static void ConstrainProperty(OpenApiSchema schema, Type declaringType, string name, IServiceProvider services)
    {
        switch (declaringType.Name, name)
        {
            case (nameof(CreatePaymentRequest) or nameof(CapturePaymentRequest) or nameof(CreateRefundRequest), "amount"):
                Range(schema, PaymentValidation.MinAmount, PaymentValidation.MaxAmount);
                schema.Description = "Integer in the currency's minor unit (cents for usd, yen for jpy).";
                break;
            case (nameof(PaymentResource), "amount" or "amount_capturable" or "amount_captured" or "amount_refunded") or (nameof(RefundResource), "amount"):
                Range(schema, 0, PaymentValidation.MaxAmount);
                break;
            case (nameof(BalanceCurrency), "captured" or "refunded"):
                schema.Minimum = "0";
                break;
            case (nameof(CreatePaymentRequest) or nameof(PaymentResource) or nameof(RefundResource) or nameof(BalanceCurrency), "currency"):
                Enumerate(schema, Currencies.Codes.Order(StringComparer.Ordinal));
                schema.Description = "Lowercase ISO 4217 code with a minor unit.";
                break;
            case (nameof(CreatePaymentRequest), "capture"):
                schema.Default = JsonValue.Create(true);
                schema.Description = "false authorizes only; capture later with POST /v1/payments/{id}/capture.";
                break;
            case (nameof(CreatePaymentRequest) or nameof(PaymentResource), "description"):
                schema.MaxLength = PaymentValidation.MaxDescriptionLength;
                schema.Description = "At most 1000 Unicode code points.";
                break;
            case (nameof(CreatePaymentRequest) or nameof(PaymentResource), "metadata"):
                schema.MaxProperties = PaymentValidation.MaxMetadataKeys;
                schema.PropertyNames = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = PaymentValidation.MaxMetadataKeyLength };
                schema.AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = PaymentValidation.MaxMetadataValueLength };
                schema.Description = "Up to 50 keys of 1–40 code points, each value a string of at most 500 code points.";
                break;
            case (nameof(CardRequest), "number"):
                schema.Pattern = $"^[0-9]{{{PaymentValidation.MinCardNumberLength},{PaymentValidation.MaxCardNumberLength}}}$";
                schema.Description = "12–19 digits, Luhn-valid. Test numbers: 4242424242424242 approves; 4000000000000002, 4000000000009995, 4000000000000069 decline.";
                schema.Examples = [JsonValue.Create("4242424242424242"), JsonValue.Create("4000000000000002")];
                break;
            case (nameof(CardRequest) or nameof(CardResource), "exp_month"):
                Range(schema, 1, 12);
                break;
            case (nameof(CardRequest), "exp_year"):
                // The past is rejected: the current year is the least that can be accepted (with a month not past).
                var year = services.GetRequiredService<TimeProvider>().GetUtcNow().Year;
                Range(schema, year, PaymentValidation.MaxExpYear);
                schema.Description = "Four-digit year; the expiry (year and month) must not be in the past.";
                break;
            case (nameof(CardResource), "exp_year"):
                Range(schema, PaymentValidation.MinExpYear, PaymentValidation.MaxExpYear);
                break;
            case (nameof(CardRequest), "cvc"):
                schema.Pattern = "^[0-9]{3,4}$";
                break;
            case (nameof(CardResource), "last4"):
                schema.Pattern = "^[0-9]{4}$";
                break;
            case (nameof(CreateRefundRequest) or nameof(RefundResource), "reason"):
                Enumerate(schema, PaymentValidation.RefundReasons);
                break;
            case (nameof(PaymentResource), "status"):
                Enumerate(schema, PaymentStatuses);
                break;
            case (nameof(RefundResource), "status"):
                Enumerate(schema, ["succeeded"]);
                break;
            case (nameof(PaymentResource), "object"):
                Enumerate(schema, ["payment"]);
                break;
            case (nameof(RefundResource), "object"):
                Enumerate(schema, ["refund"]);
                break;
            case (nameof(BalanceResource), "object"):
                Enumerate(schema, ["balance"]);
                break;
            case (_, "object") when declaringType.IsGenericType && declaringType.GetGenericTypeDefinition() == typeof(ListResource<>):
                Enumerate(schema, ["list"]);
                break;
            case (nameof(PaymentResource) or nameof(RefundResource), "created"):
                schema.Minimum = "0";
                schema.Description = "Unix time in seconds.";
                break;
            case (nameof(ErrorBody), "type"):
                Enumerate(schema, [ErrorTypes.InvalidRequest, ErrorTypes.Card, ErrorTypes.Idempotency, ErrorTypes.Authentication, ErrorTypes.RateLimit, ErrorTypes.Api]);
                break;
            case (nameof(ErrorBody), "param"):
                schema.Description = "The dotted JSON path of the offending member, or the header or query parameter's name.";
                break;
        }
    }

    private static void Range(OpenApiSchema schema, long minimum, long maximum)
    {
        schema.Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture);
        schema.Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>An enumeration; a nullable member also admits null, as JSON Schema's <c>enum</c> must list it.</summary>
    private static void Enumerate(OpenApiSchema schema, IEnumerable<string> values)
    {
        List<JsonNode?> list = [.. values.Select(v => (JsonNode?)JsonValue.Create(v))];
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null))
        {
            list.Add(null);
        }

        schema.Enum = list!;
    }

    private static Task TransformOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var path = "/" + (description.RelativePath ?? string.Empty).TrimStart('/');
        var method = description.HttpMethod ?? "GET";
        operation.Responses ??= [];
        if (path is ServiceContract.LivenessPath or ServiceContract.ReadinessPath)
        {
            DescribeHealth(operation, path == ServiceContract.ReadinessPath);
            return Task.CompletedTask;
        }

        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        operation.Parameters ??= [];
        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Path))
        {
            parameter.Description ??= "The object's id (pay_…).";
            if (parameter.Schema is OpenApiSchema schema)
            {
                schema.MinLength = 1;
                schema.MaxLength = 255;
            }
        }

        var query = description.ActionDescriptor.EndpointMetadata.OfType<QueryParameters>().LastOrDefault() ?? QueryParameters.None;
        // Parameters shared by every list route are described here; a route with its own (events' filters)
        // describes those in its own operation transformer.
        foreach (var name in query.Names)
        {
            if (QueryParameter(name) is { } parameter && !operation.Parameters.Any(p => p.Name == name))
            {
                operation.Parameters.Add(parameter);
            }
        }

        var isPost = HttpMethods.IsPost(method);
        var takesIdempotencyKey = isPost && !description.ActionDescriptor.EndpointMetadata.OfType<Webhooks.WithoutIdempotencyKey>().Any();
        if (takesIdempotencyKey)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotencyRequest.HeaderName,
                In = ParameterLocation.Header,
                Required = false,
                Description = "Makes a retry safe: the same key with the same request replays the first response (Idempotent-Replayed: true).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255, Pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$" },
                Example = JsonValue.Create("order-1042-attempt"),
            });
            foreach (var (status, response) in operation.Responses.Where(r => r.Key.StartsWith('2')))
            {
                if (response is OpenApiResponse concrete)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers[IdempotencyRequest.ReplayedHeaderName] = new OpenApiHeader
                    {
                        Description = "true when this is the stored response of an earlier request with the same Idempotency-Key.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("true")] },
                    };
                }
            }
        }

        var errors = new SortedDictionary<int, string>
        {
            [400] = "Invalid request: a parameter is missing, unknown or invalid (param names it).",
            [401] = "No valid API key (WWW-Authenticate: Bearer).",
            [404] = "Unknown object (or one of another merchant) or unknown route.",
            [429] = "The merchant's rate limit is exhausted (Retry-After).",
            [500] = "An internal error: only ever a bug of ours (the message names the request id).",
            [503] = "The store is unavailable or overloaded; retry, with the same Idempotency-Key (Retry-After).",
        };
        if (isPost)
        {
            errors[408] = "The request body arrived too slowly (below Kestrel's minimum data rate); send the request again.";
            errors[413] = "The request body is larger than 64 KB.";
            errors[415] = "The body is not JSON in UTF-8, or carries a Content-Encoding.";
        }

        if (takesIdempotencyKey)
        {
            errors[409] = "A request with the same Idempotency-Key is still in progress.";
        }

        if (operation.Responses.ContainsKey("402"))
        {
            errors[402] = "The card was declined (card_error); the payment is stored as failed.";
        }

        foreach (var (status, text) in errors)
        {
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = ErrorResponse(status, text, context.Document);
        }

        return Task.CompletedTask;
    }

    private static OpenApiParameter? QueryParameter(string name) => name switch
    {
        "limit" => new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Query,
            Description = "How many objects to return, newest first.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = PaymentService.MaxListLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), Default = JsonValue.Create(10) },
        },
        "starting_after" => new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Query,
            Description = "The id of the last object of the previous page.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
        },
        _ => null,
    };

    private static OpenApiResponse ErrorResponse(int status, string description, OpenApiDocument? document)
    {
        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = new OpenApiSchemaReference(ErrorSchemaId, document) },
            },
        };
        (string Name, string Text)? header = status switch
        {
            401 => ("WWW-Authenticate", "Bearer"),
            429 or 503 => ("Retry-After", "Seconds to wait before retrying."),
            _ => null,
        };
        if (header is { } found && found is var (name, text))
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                [name] = new OpenApiHeader { Description = text, Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
        }

        return response;
    }

    private static void DescribeHealth(OpenApiOperation operation, bool readiness)
    {
        operation.Responses!.Clear();
        operation.Responses["200"] = HealthResponse(readiness ? "Ready to serve." : "The process is up.", readiness ? ["ready"] : ["live"]);
        if (readiness)
        {
            operation.Responses["503"] = HealthResponse("Draining, a migration pending, or the store unreachable.", ["draining", "migrations_pending", "store_unreachable"]);
        }
    }

    private static OpenApiResponse HealthResponse(string description, IEnumerable<string> statuses) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "status" },
                    AdditionalPropertiesAllowed = false,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. statuses.Select(s => (JsonNode)JsonValue.Create(s))] },
                    },
                },
            },
        },
    };

    private static JsonNode WithCardYear(JsonNode request, int year)
    {
        // An example must stay a valid request: the card expires a few years after today.
        request["payment_method"]!["card"]!["exp_year"] = year;
        return request;
    }

    private static JsonNode? ExampleOf(Type type, int cardYear) => type.Name switch
    {
        nameof(CreatePaymentRequest) => JsonNode.Parse("""
            {"amount": 1999, "currency": "usd", "capture": false, "description": "Order 1042",
             "metadata": {"order_id": "1042"},
             "payment_method": {"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 0, "cvc": "123"}}}
            """) is { } create ? WithCardYear(create, cardYear) : null,
        nameof(CreateRefundRequest) => JsonNode.Parse("""{"amount": 500, "reason": "requested_by_customer"}"""),
        nameof(CapturePaymentRequest) => JsonNode.Parse("""{"amount": 1500}"""),
        nameof(PaymentResource) => JsonNode.Parse("""
            {"id": "pay_3kTq9Vx2LmN8pR4sW6yZa1Bc", "object": "payment", "status": "requires_capture", "amount": 1999,
             "amount_capturable": 1999, "amount_captured": 0, "amount_refunded": 0, "currency": "usd",
             "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
             "description": "Order 1042", "metadata": {"order_id": "1042"}, "created": 1764720000,
             "failure_code": null, "failure_message": null}
            """),
        nameof(RefundResource) => JsonNode.Parse("""
            {"id": "re_7hGf2Dk9QwErTy5Ui8Op3Lz", "object": "refund", "payment": "pay_3kTq9Vx2LmN8pR4sW6yZa1Bc",
             "amount": 500, "currency": "usd", "status": "succeeded", "reason": "requested_by_customer", "created": 1764720060}
            """),
        nameof(ErrorEnvelope) => JsonNode.Parse("""
            {"error": {"type": "invalid_request_error", "code": "parameter_unknown", "message": "Received unknown parameter: amount_cents.", "param": "amount_cents"}}
            """),
        _ => null,
    };
}
