using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.FaultTests.Infrastructure;

/// <summary>One HTTP answer, kept raw (for messages) and parsed (for checks).</summary>
internal sealed record ApiResponse(int Status, string Raw, JsonNode? Json, bool Replayed)
{
    public string? ErrorType => Json?["error"]?["type"]?.GetValue<string>();

    public string? ErrorCode => Json?["error"]?["code"]?.GetValue<string>();

    public string? Id => Json?["id"]?.GetValue<string>();

    public long Long(string property) => Json?[property]?.GetValue<long>()
        ?? throw new InvalidOperationException($"no {property} in {Raw}");

    public string String(string property) => Json?[property]?.GetValue<string>()
        ?? throw new InvalidOperationException($"no {property} in {Raw}");

    public bool IsSuccess => Status is >= 200 and < 300;

    public override string ToString() => $"{Status} {(Raw.Length > 400 ? Raw[..400] + "…" : Raw)}";
}

/// <summary>Thin helpers over the Stripe-shaped HTTP API (docs/api.md).</summary>
internal static class Api
{
    public const string SuccessCard = "4242424242424242";

    /// <summary>The error types the API contract allows in <c>{"error":{"type":…}}</c>.</summary>
    public static readonly IReadOnlySet<string> ErrorTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "invalid_request_error", "card_error", "idempotency_error", "authentication_error", "rate_limit_error", "api_error",
    };

    public static string PaymentBody(long amount, string currency, bool capture, string? traceKey = null)
    {
        var body = new JsonObject
        {
            ["amount"] = amount,
            ["currency"] = currency,
            ["capture"] = capture,
            ["payment_method"] = new JsonObject
            {
                ["card"] = new JsonObject
                {
                    ["number"] = SuccessCard,
                    ["exp_month"] = 12,
                    ["exp_year"] = DateTime.UtcNow.Year + 3,
                    ["cvc"] = "123",
                },
            },
        };
        if (traceKey is not null)
        {
            // The key travels in metadata so a listing can show which request created which payment.
            body["metadata"] = new JsonObject { ["fault_key"] = traceKey };
        }

        return body.ToJsonString();
    }

    public static Task<ApiResponse> PostJsonAsync(
        HttpClient client, string path, string? json, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json");
        return SendAsync(client, HttpMethod.Post, path, content, idempotencyKey, null, cancellationToken);
    }

    public static Task<ApiResponse> GetAsync(HttpClient client, string path, CancellationToken cancellationToken = default) =>
        SendAsync(client, HttpMethod.Get, path, null, null, null, cancellationToken);

    public static async Task<ApiResponse> SendAsync(
        HttpClient client, HttpMethod method, string path, HttpContent? content, string? idempotencyKey = null,
        Action<HttpRequestMessage>? configure = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        configure?.Invoke(request);
        using var response = await client.SendAsync(request, cancellationToken);
        var raw = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? json = null;
        if (raw.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(raw);
            }
            catch (JsonException)
            {
                json = null;
            }
        }

        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values)
            && values.Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase));
        return new ApiResponse((int)response.StatusCode, raw, json, replayed);
    }

    public static HttpContent RawContent(byte[] bytes, string? contentType)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return content;
    }

    /// <summary>Every payment of the client's merchant, following <c>has_more</c>/<c>starting_after</c>.</summary>
    public static async Task<List<JsonNode>> ListAllPaymentsAsync(HttpClient client, CancellationToken cancellationToken = default)
    {
        var all = new List<JsonNode>();
        string? after = null;
        for (var page = 0; page < 10_000; page++)
        {
            var path = "/v1/payments?limit=100" + (after is null ? "" : "&starting_after=" + Uri.EscapeDataString(after));
            var response = await GetAsync(client, path, cancellationToken);
            if (response.Status != 200)
            {
                throw new InvalidOperationException($"listing payments failed: {response}");
            }

            var data = response.Json!["data"]!.AsArray();
            foreach (var item in data)
            {
                all.Add(item!.DeepClone());
            }

            if (response.Json["has_more"]?.GetValue<bool>() != true || data.Count == 0)
            {
                return all;
            }

            after = data[^1]!["id"]!.GetValue<string>();
        }

        throw new InvalidOperationException("listing payments did not end");
    }

    /// <summary>The balance per currency: (captured, refunded, net).</summary>
    public static async Task<Dictionary<string, (long Captured, long Refunded, long Net)>> GetBalanceAsync(
        HttpClient client, CancellationToken cancellationToken = default)
    {
        var response = await GetAsync(client, "/v1/balance", cancellationToken);
        if (response.Status != 200)
        {
            throw new InvalidOperationException($"balance failed: {response}");
        }

        var result = new Dictionary<string, (long, long, long)>(StringComparer.Ordinal);
        foreach (var entry in response.Json!["currencies"]!.AsArray())
        {
            result[entry!["currency"]!.GetValue<string>()] = (
                entry["captured"]!.GetValue<long>(), entry["refunded"]!.GetValue<long>(), entry["net"]!.GetValue<long>());
        }

        return result;
    }

    /// <summary>Why <paramref name="response"/> is not a typed error, or null when it is one.</summary>
    public static string? WhyNotTypedError(ApiResponse response)
    {
        if (response.Json is not JsonObject root || root["error"] is not JsonObject error)
        {
            return "the body is not {\"error\":{…}}";
        }

        if (error["type"] is not JsonValue typeValue || !typeValue.TryGetValue<string>(out var type))
        {
            return "error.type is missing or not a string";
        }

        if (!ErrorTypes.Contains(type))
        {
            return $"error.type '{type}' is not one of the contract's types";
        }

        if (error["message"] is not JsonValue messageValue || !messageValue.TryGetValue<string>(out var message) || message.Length == 0)
        {
            return "error.message is missing or empty";
        }

        return null;
    }
}
