using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using Payments.Api.Tests.Infrastructure;
using Payments.Api.Tests.Infrastructure.Contract;

namespace Payments.Api.Tests.Contract;

/// <summary>
/// Request bodies generated from the served document's schemas: a body the schema admits is accepted
/// (201, or the documented 402 for a test card that declines), a body with one thing the schema
/// forbids gets a 400 naming that member, and nothing is ever a 5xx. Every response is also checked
/// against the document by the test service itself.
/// </summary>
public abstract partial class RequestBodyPropertyTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string RawMarker = "RAW~";

    // Bodies are sent as UTF-8 text, not \u-escaped, so that a body's size is what a client would send.
    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The one rule of a card a schema cannot state: the expiry month is not past in the current year.</summary>
    private static bool NotExpired(JsonNode body)
    {
        var card = body["payment_method"]!["card"]!;
        var now = DateTime.UtcNow;
        return card["exp_year"]!.GetValue<long>() > now.Year || card["exp_month"]!.GetValue<long>() >= now.Month;
    }

    /// <summary>Within the documented 64 KB body limit (over it is the documented 413, whatever the schema says).</summary>
    private static bool FitsTheBodyLimit(string json) => Encoding.UTF8.GetByteCount(json) <= global::Payments.Api.Http.JsonBody.MaxBytes;

    private static string Short(string json) => json.Length <= 300 ? json : json[..300] + "…";

    private async Task<(ApiDocument Document, JsonObject Schema)> CreatePaymentSchemaAsync()
    {
        var document = new ApiDocument(await Fixture.Anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var schema = document.Resolve(document.Root["paths"]!["/v1/payments"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!);
        return (document, schema);
    }

    [Fact]
    public async Task A_body_the_schema_admits_is_accepted()
    {
        var (document, schema) = await CreatePaymentSchemaAsync();
        await Valid(document, schema).SampleAsync(async body =>
        {
            Assert.True(FitsTheBodyLimit(body.ToJsonString(Relaxed)));
            var reply = await PostAsync(A, "/v1/payments", body.ToJsonString(Relaxed));
            if (!NotExpired(body))
            {
                Assert.Equal("invalid_expiry_year", reply.ErrorCode);
                return;
            }

            Assert.True(reply.Status is HttpStatusCode.Created or HttpStatusCode.PaymentRequired, $"{Short(body.ToJsonString(Relaxed))}\n→ {reply}");
        }, iter: 120, threads: 1);
    }

    [Fact]
    public async Task A_body_with_one_thing_the_schema_forbids_is_a_400_naming_it()
    {
        var (document, schema) = await CreatePaymentSchemaAsync();
        var invalid = Valid(document, schema).Where(NotExpired).SelectMany(body => Gen.Int[0, int.MaxValue].Select(choice => Mutate(document, schema, body, choice)))
            .Where(mutated => FitsTheBodyLimit(mutated.Json));
        await invalid.SampleAsync(async mutated =>
        {
            var reply = await PostAsync(A, "/v1/payments", mutated.Json);

            Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{mutated.What} at {mutated.Param}: {Short(mutated.Json)}\n→ {reply}");
            Assert.Equal("invalid_request_error", reply.ErrorType);
            Assert.True(reply.ErrorParam is { } param && (mutated.Param.StartsWith(param, StringComparison.Ordinal) || param.StartsWith(mutated.Param, StringComparison.Ordinal)),
                $"{mutated.What}: expected param {mutated.Param}, got {reply}");
        }, iter: 250, threads: 1);
    }

    [Fact]
    public async Task Refund_and_capture_bodies_the_schema_forbids_are_400s()
    {
        var document = new ApiDocument(await Fixture.Anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var refundSchema = document.Resolve(document.Root["paths"]!["/v1/payments/{id}/refunds"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!);
        var captureSchema = document.Resolve(document.Root["paths"]!["/v1/payments/{id}/capture"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!);
        var refundable = (await CreatePaymentAsync(amount: 99_999_999)).GetProperty("id").GetString();
        var capturable = (await CreatePaymentAsync(amount: 99_999_999, capture: false)).GetProperty("id").GetString();
        var cases = Gen.Bool.SelectMany(refund =>
        {
            var schema = refund ? refundSchema : captureSchema;
            return Valid(document, schema).SelectMany(body => Gen.Int[0, int.MaxValue].Select(choice => (refund, Mutate(document, schema, body, choice))));
        });
        await cases.SampleAsync(async item =>
        {
            var (refund, mutated) = item;
            var reply = await PostAsync(A, refund ? $"/v1/payments/{refundable}/refunds" : $"/v1/payments/{capturable}/capture", mutated.Json);

            Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{mutated.What}: {Short(mutated.Json)}\n→ {reply}");
            Assert.Equal(mutated.Param, reply.ErrorParam);
        }, iter: 120, threads: 1);
    }

    public sealed record Mutation(string What, string Param, string Json)
    {
        public override string ToString() => $"{What} at {Param}: {Short(Json)}";
    }

    /// <summary>Values the schema admits: required members always, optional ones sometimes; lengths at and inside their bounds.</summary>
    private static Gen<JsonNode> Valid(ApiDocument document, JsonObject schema)
    {
        schema = document.Resolve(schema);
        if (schema["enum"] is JsonArray values)
        {
            return Gen.OneOf(values.Where(v => v is not null).Select(v => v!.DeepClone()).ToArray());
        }

        switch (TypeOf(schema))
        {
            case "integer":
                var min = schema["minimum"]?.GetValue<long>() ?? -1000;
                var max = schema["maximum"]?.GetValue<long>() ?? 1000;
                return Gen.OneOf<long>(Gen.Const(min), Gen.Const(max), Gen.Long[min, max]).Select(v => (JsonNode)JsonValue.Create(v));
            case "boolean":
                return Gen.Bool.Select(v => (JsonNode)JsonValue.Create(v));
            case "string":
                if (schema["examples"] is JsonArray examples)
                {
                    return Gen.OneOf(examples.Select(e => e!.GetValue<string>()).ToArray()).Select(v => (JsonNode)JsonValue.Create(v));
                }

                if (schema["pattern"]?.GetValue<string>() is { } pattern)
                {
                    var digits = DigitsPattern().Match(pattern);
                    Assert.True(digits.Success, $"the generator reads only digit patterns, not {pattern}");
                    return Gen.Int[int.Parse(digits.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(digits.Groups[2].Value, CultureInfo.InvariantCulture)]
                        .SelectMany(length => Gen.Int[0, 9].Array[length]).Select(d => (JsonNode)JsonValue.Create(string.Concat(d)));
                }

                return Text(schema["minLength"]?.GetValue<int>() ?? 0, schema["maxLength"]?.GetValue<int>() ?? 60).Select(v => (JsonNode)JsonValue.Create(v));
            case "object" when schema["additionalProperties"] is JsonObject valueSchema:
                var keys = schema["propertyNames"]!.AsObject();
                var maxKeys = schema["maxProperties"]?.GetValue<int>() ?? 5;
                var keyLength = keys["maxLength"]!.GetValue<int>();
                // A full map gets short values: fifty values of the longest length pass the 64 KB body limit.
                return Gen.OneOf(Gen.Int[0, 3], Gen.Const(maxKeys)).SelectMany(count =>
                    Text(1, keyLength - 3).Array[count]
                        .SelectMany(names => (count > 3 ? Text(0, 20).Select(v => (JsonNode)JsonValue.Create(v)) : Valid(document, valueSchema)).Array[count].Select(vals =>
                        {
                            var map = new JsonObject();
                            for (var i = 0; i < count; i++)
                            {
                                // A two-digit prefix keeps the keys distinct and within the length in code points.
                                map[i.ToString("00", CultureInfo.InvariantCulture) + "_" + names[i]] = vals[i].DeepClone();
                            }

                            return (JsonNode)map;
                        })));
            case "object":
                var required = (schema["required"] as JsonArray)?.Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
                var body = Gen.Const(new List<(string, JsonNode)>());
                foreach (var (name, member) in schema["properties"]!.AsObject())
                {
                    var value = Valid(document, member!.AsObject());
                    body = required.Contains(name)
                        ? body.SelectMany(list => value.Select(v => (List<(string, JsonNode)>)[.. list, (name, v)]))
                        : body.SelectMany(list => Gen.Bool.SelectMany(include => include
                            ? value.Select(v => (List<(string, JsonNode)>)[.. list, (name, v)])
                            : Gen.Const(list)));
                }

                return body.Select(members =>
                {
                    var result = new JsonObject();
                    foreach (var (name, value) in members)
                    {
                        // Generated nodes may be shared (an enum's constants): each body gets its own copy.
                        result[name] = value.DeepClone();
                    }

                    return (JsonNode)result;
                });
            default:
                throw new InvalidOperationException($"no generator for {schema.ToJsonString()}");
        }
    }

    /// <summary>Text of whole code points from several planes (ASCII, accented, CJK, emoji), never a control character.</summary>
    private static Gen<string> Text(int minLength, int maxLength) =>
        Gen.OneOf(Gen.Const(minLength), Gen.Const(maxLength), Gen.Int[minLength, maxLength]).SelectMany(length =>
            Gen.OneOf(Gen.Int[0x20, 0x7E], Gen.Int[0xC0, 0x17F], Gen.Int[0x4E00, 0x4FFF], Gen.Int[0x1F600, 0x1F64F]).Array[length]
                .Select(points => string.Concat(points.Select(char.ConvertFromUtf32))));

    private static string TypeOf(JsonObject schema) => schema["type"] switch
    {
        JsonArray types => types.Select(t => t!.GetValue<string>()).First(t => t != "null"),
        { } type => type.GetValue<string>(),
        null => "object",
    };

    /// <summary>One violation of the schema, chosen by <paramref name="choice"/> among all the sites the body offers.</summary>
    private static Mutation Mutate(ApiDocument document, JsonObject schema, JsonNode body, int choice)
    {
        var sites = new List<Func<JsonNode, Mutation>>();
        Collect(document, schema, body, [], sites);
        var copy = body.DeepClone();
        return sites[choice % sites.Count](copy);
    }

    private static void Collect(ApiDocument document, JsonObject schema, JsonNode? value, List<string> path, List<Func<JsonNode, Mutation>> sites)
    {
        schema = document.Resolve(schema);
        var param = string.Join('.', path);
        var raws = new List<string>();
        void Site(string what, string at, Func<JsonNode, string> apply) => sites.Add(root => new Mutation(what, at, apply(root)));
        void Replace(string what, string raw) => Site(what, param, root =>
        {
            Parent(root, path)[path[^1]] = RawMarker + raw;
            return Render(root);
        });

        switch (TypeOf(schema))
        {
            case "integer":
                var min = schema["minimum"]?.GetValue<long>();
                var max = schema["maximum"]?.GetValue<long>();
                if (min is { } low)
                {
                    Replace("below minimum", (low - 1).ToString(CultureInfo.InvariantCulture));
                }

                if (max is { } high)
                {
                    Replace("above maximum", (high + 1).ToString(CultureInfo.InvariantCulture));
                }

                Replace("beyond 64 bits", "9223372036854775808");
                Replace("beyond 32 bits", "2147483648");
                Replace("a fraction", "1.5");
                Replace("a string", "\"5\"");
                break;
            case "boolean":
                Replace("a string", "\"yes\"");
                break;
            case "string":
                Replace("a number", "7");
                Replace("a lone surrogate", "\"a\\ud800b\"");
                if (schema["maxLength"]?.GetValue<int>() is { } maxLength)
                {
                    // Too long in code points, though each emoji is two UTF-16 units.
                    Replace("too long", "\"" + string.Concat(Enumerable.Repeat("\\ud83d\\ude00", maxLength + 1)) + "\"");
                }

                if (schema["enum"] is not null)
                {
                    Replace("not in the enum", "\"not-a-member\"");
                }

                if (schema["pattern"] is not null)
                {
                    Replace("not matching the pattern", "\"x\"");
                }

                break;
            case "object" when schema["additionalProperties"] is JsonObject valueSchema:
                var names = schema["propertyNames"]!.AsObject();
                var maxKeys = schema["maxProperties"]!.GetValue<int>();
                Site("too many keys", param, root =>
                {
                    var map = new JsonObject();
                    for (var i = 0; i <= maxKeys; i++)
                    {
                        map["k" + i.ToString(CultureInfo.InvariantCulture)] = "v";
                    }

                    Parent(root, path)[path[^1]] = map;
                    return Render(root);
                });
                Site("a key too long", param, root =>
                {
                    Parent(root, path)[path[^1]] = new JsonObject { [new string('k', names["maxLength"]!.GetValue<int>() + 1)] = "v" };
                    return Render(root);
                });
                Site("an empty key", param, root =>
                {
                    Parent(root, path)[path[^1]] = new JsonObject { [string.Empty] = "v" };
                    return Render(root);
                });
                Site("a value too long", param + ".k", root =>
                {
                    Parent(root, path)[path[^1]] = new JsonObject { ["k"] = new string('v', valueSchema["maxLength"]!.GetValue<int>() + 1) };
                    return Render(root);
                });
                Site("a value of the wrong type", param + ".k", root =>
                {
                    Parent(root, path)[path[^1]] = new JsonObject { ["k"] = 5 };
                    return Render(root);
                });
                break;
            case "object":
                var required = (schema["required"] as JsonArray)?.Select(r => r!.GetValue<string>()).ToList() ?? [];
                foreach (var name in required)
                {
                    List<string> at = [.. path, name];
                    Site("a required member missing", string.Join('.', at), root =>
                    {
                        ((JsonObject)Node(root, path)).Remove(name);
                        return Render(root);
                    });
                }

                if (schema["additionalProperties"] is JsonValue closed && !closed.GetValue<bool>())
                {
                    List<string> at = [.. path, "unexpected_member"];
                    Site("an unknown member", string.Join('.', at), root =>
                    {
                        ((JsonObject)Node(root, path))["unexpected_member"] = 1;
                        return Render(root);
                    });
                }

                if (path.Count > 0)
                {
                    Replace("an array instead of an object", "[]");
                }

                foreach (var (name, member) in schema["properties"]!.AsObject())
                {
                    if (value is JsonObject present && present.ContainsKey(name))
                    {
                        Collect(document, member!.AsObject(), present[name], [.. path, name], sites);
                    }
                }

                break;
        }
    }

    private static JsonNode Node(JsonNode root, List<string> path) => path.Aggregate(root, (node, name) => node[name]!);

    private static JsonObject Parent(JsonNode root, List<string> path) => (JsonObject)Node(root, path[..^1]);

    /// <summary>The body as text, with raw tokens (numbers beyond any .NET type, escapes) put in verbatim.</summary>
    private static string Render(JsonNode root) =>
        RawToken().Replace(root.ToJsonString(Relaxed), match => System.Text.Json.JsonSerializer.Deserialize<string>(match.Value)![RawMarker.Length..]);

    [GeneratedRegex("\"RAW~(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex RawToken();

    [GeneratedRegex(@"^\^\[0-9\]\{(\d+),(\d+)\}\$$")]
    private static partial Regex DigitsPattern();
}

public sealed class RequestBodyPropertyTestsSqlite(SqliteApiFixture fixture) : RequestBodyPropertyTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class RequestBodyPropertyTestsPostgres(PostgresApiFixture fixture) : RequestBodyPropertyTests(fixture), IClassFixture<PostgresApiFixture>;
