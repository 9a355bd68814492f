using System.Text;
using System.Text.Json.Nodes;

namespace Payments.FaultTests;

/// <summary>How a corpus case authenticates.</summary>
internal enum Auth
{
    MerchantA,
    None,
    Header,
}

/// <summary>
/// One generated request and the answers the contract allows for it. <see cref="ExpectedType"/>
/// null means any contract error type; <see cref="IsBad"/> false marks the valid boundary cases
/// that must succeed (they show the corpus is not refusing everything).
/// <see cref="ExpectContinue"/> sends <c>Expect: 100-continue</c>, as a careful client does with a big
/// body: the server can refuse it (413) before the body is sent, instead of the client writing
/// megabytes into a connection the server has already closed. <see cref="RejectedByHttpServer"/>
/// marks requests Kestrel itself refuses before any application code runs (a NUL byte in the path:
/// a bare 400 with an empty body, which no application can change) — still never a 5xx.
/// </summary>
internal sealed record BadInputCase(
    string Category,
    string Name,
    HttpMethod Method,
    string Path,
    byte[]? Body,
    string? ContentType,
    int[] ExpectedStatuses,
    string? ExpectedType,
    Auth Auth = Auth.MerchantA,
    string? AuthorizationHeader = null,
    string? IdempotencyKey = null,
    bool Chunked = false,
    bool ExpectContinue = false,
    bool RejectedByHttpServer = false)
{
    public bool IsBad => ExpectedStatuses.All(s => s >= 400);

    public override string ToString() => $"[{Category}] {Name}: {Method} {Path}";
}

/// <summary>
/// The bad-input corpus: generated from the contract in docs/api.md — every field of the create
/// body crossed with wrong types, overflow and out-of-range values, plus malformed JSON, invalid
/// UTF-8 as raw bytes, huge and deep bodies, bad auth on every route, wrong methods and content
/// types, unknown ids and query values, and state/amount abuse on capture and refund.
/// </summary>
internal static class BadInputCorpus
{
    private const string Json = "application/json";
    private static readonly int[] BadRequest = [400];
    private static readonly int[] Unauthorized = [401];
    private static readonly int[] NotFound = [404];
    private static readonly int[] WrongMethod = [405, 404];
    private static readonly int[] TooLarge = [413];
    private static readonly int[] Unsupported = [415];
    private static readonly int[] Created = [201];
    private static readonly int[] Declined = [402];

    public static List<BadInputCase> Generate(string apiKey, string authorizedId, string capturedId, int year)
    {
        var cases = new List<BadInputCase>();
        FieldMutations(cases, year);
        MissingFields(cases, year);
        MalformedJson(cases);
        InvalidUtf8(cases, year);
        HugeAndDeep(cases, year);
        // State cases first: they must see the authorization untouched by anything a broken check let through.
        StateAndAmounts(cases, authorizedId, capturedId);
        Authentication(cases, apiKey, authorizedId);
        MethodsAndContentTypes(cases, authorizedId, year);
        IdsAndQueries(cases, authorizedId);
        Idempotency(cases, year);
        CardOutcomes(cases, year);
        return cases;
    }

    public static JsonObject ValidBody(int year, long amount = 1999, string currency = "usd") => new()
    {
        ["amount"] = amount,
        ["currency"] = currency,
        ["capture"] = true,
        ["payment_method"] = new JsonObject
        {
            ["card"] = new JsonObject
            {
                ["number"] = "4242424242424242",
                ["exp_month"] = 12,
                ["exp_year"] = year + 2,
                ["cvc"] = "123",
            },
        },
    };

    private static BadInputCase CreateCase(string category, string name, string json, int[] expected, string? type = "invalid_request_error") =>
        new(category, name, HttpMethod.Post, "/v1/payments", Encoding.UTF8.GetBytes(json), Json, expected, type);

    private static void FieldMutations(List<BadInputCase> cases, int year)
    {
        // (JSON path, raw JSON value) — values written raw so overflowing numbers stay exactly as sent.
        var mutations = new (string Path, string[] Values)[]
        {
            ("amount", ["\"1999\"", "19.99", "1e3", "1999.0", "true", "null", "[]", "{}", "0", "-1", "100000000",
                "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e400", "123456789012345678901234567890", "\"\"", "-0.5"]),
            ("currency", ["\"USD\"", "\"xxx\"", "\"\"", "123", "null", "true", "[]", "\"us\"", "\"usdd\"", "\"u$d\"", "\"\\u00fcsd\"", "\"usd \"", "\"eur\\u0000\""]),
            ("capture", ["\"true\"", "1", "\"yes\"", "[]", "{}"]),
            ("payment_method", ["null", "\"card\"", "42", "[]", "{}", "{\"card\":null}", "{\"card\":\"4242424242424242\"}",
                "{\"card\":{}}", "{\"bank_account\":{\"number\":\"1\"}}"]),
            ("payment_method.card.number", ["\"4242424242424241\"", "\"\"", "\"abcdabcdabcdabcd\"", "4242424242424242", "null",
                "\"4242424242424242424242424242\"", "\"42\"", "\"\\u0664\\u0662\\u0664\\u0662\\u0664\\u0662\\u0664\\u0662\\u0664\\u0662\\u0664\\u0662\\u0664\\u0662\\u0664\\u0662\"",
                "\"4242424242424242\\u0000\"", "[\"4242424242424242\"]"]),
            ("payment_method.card.exp_month", ["0", "13", "-1", "\"12\"", "12.5", "null", "99999999999", "[]"]),
            ("payment_method.card.exp_year", ["2000", "1", "-1", $"\"{year + 2}\"", "null", "100000", $"{year + 2}.5", "9223372036854775808"]),
            ("payment_method.card.cvc", ["\"12\"", "\"12345\"", "\"abc\"", "123", "null", "\"\"", "{}"]),
            ("description", ["123", "[]", "{}", "true"]),
            ("metadata", ["\"str\"", "[]", "42", Metadata(51, 5, 5), Metadata(1, 41, 5), Metadata(1, 5, 501),
                "{\"a\":{\"b\":\"c\"}}", "{\"a\":[\"b\"]}", "{\"a\":1}", "{\"a\":true}"]),
        };
        foreach (var (path, values) in mutations)
        {
            foreach (var value in values)
            {
                cases.Add(CreateCase("field", $"{path} = {Shorten(value)}", WithRaw(ValidBody(year), path, value), BadRequest));
            }
        }

        var unknownFields = new (string Path, string Value)[]
        {
            ("foo", "1"), ("Amount", "5"), ("payment_method_types", "[\"card\"]"), ("payment_method.card.name", "\"x\""),
            ("payment_method.wallet", "{}"), ("amount_captured", "0"), ("id", "\"pay_mine\""), ("status", "\"succeeded\""),
        };
        foreach (var (path, value) in unknownFields)
        {
            cases.Add(CreateCase("unknown field", path, WithRaw(ValidBody(year), path, value), BadRequest));
        }

        // Past expiry: last month of this year is still valid; January of this year is past unless it is January.
        if (DateTime.UtcNow.Month > 1)
        {
            cases.Add(CreateCase("field", "expired last month", WithRaw(WithRaw(ValidBody(year), "payment_method.card.exp_year", $"{year}"),
                "payment_method.card.exp_month", $"{DateTime.UtcNow.Month - 1}"), BadRequest));
        }

        // Boundaries that are valid: they must be created, so the corpus cannot pass by refusing everything.
        cases.Add(CreateCase("boundary", "amount = 1", ValidBody(year, 1).ToJsonString(), Created, null));
        cases.Add(CreateCase("boundary", "amount = 99999999", ValidBody(year, 99_999_999).ToJsonString(), Created, null));
        cases.Add(CreateCase("boundary", "jpy (zero-decimal) 500", ValidBody(year, 500, "jpy").ToJsonString(), Created, null));
        cases.Add(CreateCase("boundary", "metadata 50 keys of 40 chars, 500-char values", WithRaw(ValidBody(year), "metadata", Metadata(50, 40, 500)), Created, null));
    }

    private static void MissingFields(List<BadInputCase> cases, int year)
    {
        foreach (var path in new[] { "amount", "currency", "payment_method", "payment_method.card", "payment_method.card.number",
                     "payment_method.card.exp_month", "payment_method.card.exp_year" })
        {
            cases.Add(CreateCase("missing", path, Without(ValidBody(year), path), BadRequest));
        }
    }

    private static void MalformedJson(List<BadInputCase> cases)
    {
        var bodies = new[]
        {
            "", " ", "{", "}", "[]", "null", "1", "\"x\"", "{\"amount\":}", "{'amount':1999}", "{\"amount\":1999,}",
            "/* c */{\"amount\":1999}", "{\"amount\":NaN}", "{\"amount\":Infinity}", "{\"amount\":1999}x", "{}{}",
            "{\"amount\":1999,\"currency\":\"u\tsd\"}", "{\"description\":\"\\ud800\"}", "{\"description\":\"\\udc00\\ud800\"}",
            "{\"amount\":0x10}", "{\"amount\":01999}", "{\"amount\":+1999}", "{amount:1999}", "{\"amount\" 1999}",
            "{\"amount\":1999", "[{\"amount\":1999}]", "{\"currency\":\"\\u\"}",
        };
        foreach (var body in bodies)
        {
            cases.Add(CreateCase("malformed json", Shorten(body.Length == 0 ? "(empty)" : body), body, BadRequest));
        }
    }

    private static void InvalidUtf8(List<BadInputCase> cases, int year)
    {
        var sequences = new (string Name, byte[] Bytes)[]
        {
            ("C3 28", [0xC3, 0x28]), ("A0 A1 (lone continuation)", [0xA0, 0xA1]), ("E2 28 A1", [0xE2, 0x28, 0xA1]),
            ("F0 28 8C BC", [0xF0, 0x28, 0x8C, 0xBC]), ("FF", [0xFF]), ("FE FE FF FF", [0xFE, 0xFE, 0xFF, 0xFF]),
            ("C0 AF (overlong /)", [0xC0, 0xAF]), ("ED A0 80 (UTF-8 surrogate)", [0xED, 0xA0, 0x80]),
            ("F4 90 80 80 (above U+10FFFF)", [0xF4, 0x90, 0x80, 0x80]), ("E2 82 (truncated)", [0xE2, 0x82]),
        };
        foreach (var (name, bytes) in sequences)
        {
            foreach (var place in new[] { "description", "currency", "key" })
            {
                var prefix = place switch
                {
                    "description" => "{\"description\":\"abc",
                    "currency" => "{\"currency\":\"us",
                    _ => "{\"meta",
                };
                var suffix = place == "key"
                    ? "data\":{}," + Tail(year)
                    : "\"," + Tail(year);
                var body = Encoding.UTF8.GetBytes(prefix).Concat(bytes).Concat(Encoding.UTF8.GetBytes(suffix)).ToArray();
                cases.Add(new BadInputCase("invalid utf-8", $"{name} in {place}", HttpMethod.Post, "/v1/payments", body, Json, BadRequest, "invalid_request_error"));
            }
        }

        static string Tail(int year) =>
            $"\"amount\":1999,\"currency\":\"usd\",\"payment_method\":{{\"card\":{{\"number\":\"4242424242424242\",\"exp_month\":12,\"exp_year\":{year + 2},\"cvc\":\"123\"}}}}}}";
    }

    private static void HugeAndDeep(List<BadInputCase> cases, int year)
    {
        foreach (var size in new[] { 65 * 1024, 1024 * 1024, 8 * 1024 * 1024 })
        {
            var body = ValidBody(year);
            body["description"] = new string('x', size);
            cases.Add(new BadInputCase("huge", $"{size / 1024} KB body", HttpMethod.Post, "/v1/payments",
                Encoding.UTF8.GetBytes(body.ToJsonString()), Json, TooLarge, "invalid_request_error", ExpectContinue: size > 64 * 1024 * 2));
        }

        var chunkedBody = ValidBody(year);
        chunkedBody["description"] = new string('y', 200 * 1024);
        cases.Add(new BadInputCase("huge", "200 KB chunked (no Content-Length)", HttpMethod.Post, "/v1/payments",
            Encoding.UTF8.GetBytes(chunkedBody.ToJsonString()), Json, TooLarge, "invalid_request_error", Chunked: true));

        var longDescription = ValidBody(year);
        longDescription["description"] = new string('d', 60 * 1024);
        // The contract sets no description limit: created or refused, but never a 5xx.
        cases.Add(CreateCase("huge", "60 KB description (under the body limit)", longDescription.ToJsonString(), [201, 400], null));

        foreach (var depth in new[] { 65, 200, 5_000 })
        {
            var nested = new StringBuilder();
            for (var i = 0; i < depth; i++)
            {
                nested.Append("{\"a\":");
            }

            nested.Append('1').Append('}', depth);
            cases.Add(CreateCase("deep", $"metadata nested {depth} deep", WithRaw(ValidBody(year), "metadata", nested.ToString()), BadRequest));
            cases.Add(CreateCase("deep", $"amount as array nested {depth} deep", WithRaw(ValidBody(year), "amount",
                new string('[', depth) + "1" + new string(']', depth)), BadRequest));
        }

        var manyKeys = new StringBuilder("{");
        for (var i = 0; i < 3_000; i++)
        {
            manyKeys.Append($"\"k{i}\":\"v\",");
        }

        manyKeys.Append("\"z\":\"v\"}");
        cases.Add(CreateCase("huge", "metadata with 3001 keys", WithRaw(ValidBody(year), "metadata", manyKeys.ToString()), BadRequest));
    }

    private static void Authentication(List<BadInputCase> cases, string apiKey, string paymentId)
    {
        var routes = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Post, "/v1/payments", "{}"), (HttpMethod.Get, "/v1/payments", null), (HttpMethod.Get, $"/v1/payments/{paymentId}", null),
            (HttpMethod.Post, $"/v1/payments/{paymentId}/capture", "{}"), (HttpMethod.Post, $"/v1/payments/{paymentId}/cancel", "{}"),
            (HttpMethod.Post, $"/v1/payments/{paymentId}/refunds", "{}"), (HttpMethod.Get, $"/v1/payments/{paymentId}/refunds", null),
            (HttpMethod.Get, "/v1/balance", null),
        };
        var headers = new (string Name, string? Header)[]
        {
            ("no Authorization", null), ("Bearer without key", "Bearer"), ("Bearer and a space", "Bearer "),
            ("unknown key", "Bearer sk_test_not_a_real_key"), ("Basic scheme", "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes(apiKey + ":"))),
            ("key with a suffix", $"Bearer {apiKey}x"), ("key upper-cased", $"Bearer {apiKey.ToUpperInvariant()}"),
            ("key without scheme", apiKey), ("10 KB key", "Bearer " + new string('k', 10_240)), ("key prefix only", $"Bearer {apiKey[..^4]}"),
        };
        foreach (var (method, path, body) in routes)
        {
            foreach (var (name, header) in headers)
            {
                cases.Add(new BadInputCase("auth", $"{name} on {method} {path}", method, path,
                    body is null ? null : Encoding.UTF8.GetBytes(body), body is null ? null : Json,
                    Unauthorized, "authentication_error", header is null ? Auth.None : Auth.Header, header));
            }
        }
    }

    private static void MethodsAndContentTypes(List<BadInputCase> cases, string paymentId, int year)
    {
        var wrongMethods = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Put, "/v1/payments"), (HttpMethod.Delete, "/v1/payments"), (HttpMethod.Patch, "/v1/payments"),
            (HttpMethod.Put, $"/v1/payments/{paymentId}"), (HttpMethod.Delete, $"/v1/payments/{paymentId}"),
            (HttpMethod.Post, $"/v1/payments/{paymentId}"), (HttpMethod.Get, $"/v1/payments/{paymentId}/capture"),
            (HttpMethod.Get, $"/v1/payments/{paymentId}/cancel"), (HttpMethod.Delete, $"/v1/payments/{paymentId}/refunds"),
            (HttpMethod.Post, "/v1/balance"), (HttpMethod.Delete, "/v1/balance"),
        };
        foreach (var (method, path) in wrongMethods)
        {
            var hasBody = method != HttpMethod.Delete;
            cases.Add(new BadInputCase("method", $"{method} {path}", method, path,
                hasBody ? Encoding.UTF8.GetBytes("{}") : null, hasBody ? Json : null, WrongMethod, "invalid_request_error"));
        }

        var valid = ValidBody(year).ToJsonString();
        var contentTypes = new (string Name, string? ContentType, string Body)[]
        {
            ("text/plain", "text/plain", valid), ("application/xml", "application/xml", "<amount>1999</amount>"),
            ("form-urlencoded", "application/x-www-form-urlencoded", "amount=1999&currency=usd"),
            ("multipart", "multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n1999\r\n--xyz--"),
            ("no content type", null, valid), ("application/jsonx", "application/jsonx", valid),
            ("image/png", "image/png", valid), ("application/octet-stream", "application/octet-stream", valid),
        };
        foreach (var (name, contentType, body) in contentTypes)
        {
            cases.Add(new BadInputCase("content type", $"{name} on create", HttpMethod.Post, "/v1/payments",
                Encoding.UTF8.GetBytes(body), contentType, Unsupported, "invalid_request_error"));
        }

        foreach (var route in new[] { "capture", "refunds" })
        {
            cases.Add(new BadInputCase("content type", $"text/plain on {route}", HttpMethod.Post, $"/v1/payments/{paymentId}/{route}",
                Encoding.UTF8.GetBytes("{}"), "text/plain", Unsupported, "invalid_request_error"));
        }
    }

    private static void IdsAndQueries(List<BadInputCase> cases, string paymentId)
    {
        var ids = new[] { "pay_doesnotexist", "pay_" + new string('9', 300), "pay_%00", "..%2F..%2Fetc", "%C3%A9t%C3%A9", "pay_'%20OR%201=1--", "re_abc", "0" };
        foreach (var id in ids)
        {
            var kestrel = id.Contains("%00", StringComparison.Ordinal);
            cases.Add(new BadInputCase("unknown id", $"GET {Shorten(id)}", HttpMethod.Get, $"/v1/payments/{id}", null, null, [404, 400], "invalid_request_error",
                RejectedByHttpServer: kestrel));
            cases.Add(new BadInputCase("unknown id", $"capture {Shorten(id)}", HttpMethod.Post, $"/v1/payments/{id}/capture",
                Encoding.UTF8.GetBytes("{}"), Json, [404, 400], "invalid_request_error", RejectedByHttpServer: kestrel));
            cases.Add(new BadInputCase("unknown id", $"refund {Shorten(id)}", HttpMethod.Post, $"/v1/payments/{id}/refunds",
                Encoding.UTF8.GetBytes("{}"), Json, [404, 400], "invalid_request_error", RejectedByHttpServer: kestrel));
        }

        cases.Add(new BadInputCase("unknown route", "/v1/nope", HttpMethod.Get, "/v1/nope", null, null, NotFound, "invalid_request_error"));
        cases.Add(new BadInputCase("unknown route", "/v1/payments/{id}/nope", HttpMethod.Post, $"/v1/payments/{paymentId}/nope",
            Encoding.UTF8.GetBytes("{}"), Json, NotFound, "invalid_request_error"));

        foreach (var query in new[] { "limit=0", "limit=-1", "limit=101", "limit=abc", "limit=1.5", "limit=99999999999999999999",
                     "starting_after=pay_doesnotexist" })
        {
            cases.Add(new BadInputCase("query", query, HttpMethod.Get, "/v1/payments?" + query, null, null, [400, 404], "invalid_request_error"));
        }
    }

    private static void StateAndAmounts(List<BadInputCase> cases, string authorizedId, string capturedId)
    {
        var captureBodies = new (string Name, string Body)[]
        {
            ("more than authorized", "{\"amount\":10001}"), ("zero", "{\"amount\":0}"), ("negative", "{\"amount\":-5}"),
            ("string amount", "{\"amount\":\"100\"}"), ("float amount", "{\"amount\":10.5}"), ("overflow", "{\"amount\":9223372036854775808}"),
            ("unknown field", "{\"amount_to_capture\":100}"), ("array", "[]"),
        };
        foreach (var (name, body) in captureBodies)
        {
            cases.Add(new BadInputCase("capture", name, HttpMethod.Post, $"/v1/payments/{authorizedId}/capture",
                Encoding.UTF8.GetBytes(body), Json, BadRequest, "invalid_request_error"));
        }

        cases.Add(new BadInputCase("capture", "already captured", HttpMethod.Post, $"/v1/payments/{capturedId}/capture",
            Encoding.UTF8.GetBytes("{}"), Json, BadRequest, "invalid_request_error"));
        cases.Add(new BadInputCase("cancel", "after capture", HttpMethod.Post, $"/v1/payments/{capturedId}/cancel",
            Encoding.UTF8.GetBytes("{}"), Json, BadRequest, "invalid_request_error"));
        cases.Add(new BadInputCase("cancel", "unknown field", HttpMethod.Post, $"/v1/payments/{authorizedId}/cancel",
            Encoding.UTF8.GetBytes("{\"reason\":1}"), Json, BadRequest, "invalid_request_error"));

        var refundBodies = new (string Name, string Body)[]
        {
            ("more than captured", "{\"amount\":10001}"), ("zero", "{\"amount\":0}"), ("negative", "{\"amount\":-1}"),
            ("string amount", "{\"amount\":\"5\"}"), ("float amount", "{\"amount\":1.5}"), ("unknown reason", "{\"reason\":\"because\"}"),
            ("reason not a string", "{\"reason\":5}"), ("unknown field", "{\"refund_everything\":true}"), ("overflow", "{\"amount\":1e30}"),
        };
        foreach (var (name, body) in refundBodies)
        {
            cases.Add(new BadInputCase("refund", name, HttpMethod.Post, $"/v1/payments/{capturedId}/refunds",
                Encoding.UTF8.GetBytes(body), Json, BadRequest, "invalid_request_error"));
        }

        cases.Add(new BadInputCase("refund", "of an uncaptured payment", HttpMethod.Post, $"/v1/payments/{authorizedId}/refunds",
            Encoding.UTF8.GetBytes("{}"), Json, BadRequest, "invalid_request_error"));
    }

    private static void Idempotency(List<BadInputCase> cases, int year)
    {
        cases.Add(CreateCase("idempotency", "key of 256 characters", ValidBody(year).ToJsonString(), BadRequest, type: null) with { IdempotencyKey = new string('k', 256) });
        // The pair below shares a key: the first creates, the second (different body) must be refused.
        var key = "corpus-" + Guid.NewGuid().ToString("N");
        cases.Add(CreateCase("idempotency", "first use of a key", ValidBody(year, 700).ToJsonString(), Created, null) with { IdempotencyKey = key });
        cases.Add(CreateCase("idempotency", "same key, different body", ValidBody(year, 701).ToJsonString(), BadRequest, "idempotency_error") with { IdempotencyKey = key });
    }

    private static void CardOutcomes(List<BadInputCase> cases, int year)
    {
        foreach (var number in new[] { "4000000000000002", "4000000000009995", "4000000000000069" })
        {
            cases.Add(CreateCase("declined", number, WithRaw(ValidBody(year), "payment_method.card.number", $"\"{number}\""), Declined, "card_error"));
        }
    }

    private static string Metadata(int keys, int keyLength, int valueLength)
    {
        var metadata = new JsonObject();
        for (var i = 0; i < keys; i++)
        {
            var name = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            metadata[name + new string('k', Math.Max(0, keyLength - name.Length))] = new string('v', valueLength);
        }

        return metadata.ToJsonString();
    }

    /// <summary>The body with the value at <paramref name="path"/> replaced by raw JSON text.</summary>
    private static string WithRaw(JsonObject body, string path, string rawValue)
    {
        const string Marker = "\"__RAW_VALUE_MARKER__\"";
        var clone = body.DeepClone().AsObject();
        var parts = path.Split('.');
        var parent = clone;
        foreach (var part in parts[..^1])
        {
            parent = parent[part]!.AsObject();
        }

        parent[parts[^1]] = "__RAW_VALUE_MARKER__";
        return clone.ToJsonString().Replace(Marker, rawValue, StringComparison.Ordinal);
    }

    private static string WithRaw(string json, string path, string rawValue) => WithRaw(JsonNode.Parse(json)!.AsObject(), path, rawValue);

    private static string Without(JsonObject body, string path)
    {
        var clone = body.DeepClone().AsObject();
        var parts = path.Split('.');
        var parent = clone;
        foreach (var part in parts[..^1])
        {
            parent = parent[part]!.AsObject();
        }

        parent.Remove(parts[^1]);
        return clone.ToJsonString();
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
