using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Payments.Api.Tests.Infrastructure.Contract;

/// <summary>
/// Checks every response a test service sends against the document that service serves: the status
/// must be documented for the operation, the content type must be one documented for that status,
/// the body must validate against its schema, documented required headers must be present; an
/// unknown path must be a 404 and a known path with another method a 405 with a true <c>Allow</c>,
/// both with the error object. Violations are collected and fail the test that caused them.
/// </summary>
public sealed class ContractCheck(Func<Task<ApiDocument?>> loadDocument)
{
    private readonly Lazy<Task<ApiDocument?>> document = new(loadDocument, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly ConcurrentQueue<string> violations = new();
    private int checkedResponses;

    /// <summary>How many responses were checked (to show the check is on).</summary>
    public int CheckedResponses => Volatile.Read(ref checkedResponses);

    /// <summary>The violations recorded since the last call, which removes them.</summary>
    public List<string> Drain()
    {
        var drained = new List<string>();
        while (violations.TryDequeue(out var violation))
        {
            drained.Add(violation);
        }

        return drained;
    }

    public void AssertNoViolations()
    {
        var found = Drain();
        Assert.True(found.Count == 0, "responses that break the served OpenAPI document:\n" + string.Join("\n", found));
    }

    public async Task CheckAsync(string method, string path, int status, string? contentType, IHeaderDictionary headers, ReadOnlyMemory<byte> body)
    {
        // The document itself, and the dashboard's HTML pages (for browsers, not API clients; DashboardSessionTests
        // and the browser tests hold them to their own rules), are not operations of the API.
        if (path.StartsWith("/openapi/", StringComparison.Ordinal) || path == "/dashboard" || path.StartsWith("/dashboard/", StringComparison.Ordinal))
        {
            return;
        }

        // A role that serves no API (the worker) serves no document: there is no contract to hold it to.
        if (await document.Value is not { } api)
        {
            return;
        }

        Interlocked.Increment(ref checkedResponses);
        foreach (var problem in Check(api, method, path, status, contentType, headers, body))
        {
            violations.Enqueue($"{method} {path} → {status}: {problem}");
        }
    }

    public static IEnumerable<string> Check(ApiDocument api, string method, string path, int status, string? contentType, IHeaderDictionary headers, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(headers);
        var isHead = HttpMethods.IsHead(method);
        var operationMethod = isHead ? "get" : method.ToLowerInvariant();
        var underV1 = path.StartsWith("/v1/", StringComparison.Ordinal);
        var found = api.FindPath(path);
        if (found is null || found.Value.Item[operationMethod] is not System.Text.Json.Nodes.JsonObject operation)
        {
            // Not an operation of the document: the generic answers, all with the error object.
            var expected = found is null ? StatusCodes.Status404NotFound : StatusCodes.Status405MethodNotAllowed;
            int[] allowed = underV1 ? [expected, StatusCodes.Status401Unauthorized, StatusCodes.Status429TooManyRequests] : [expected];
            if (!allowed.Contains(status))
            {
                yield return found is null ? "a path the document does not describe must be 404" : $"a method the document does not describe on {found.Value.Template} must be 405";
                yield break;
            }

            if (status == StatusCodes.Status405MethodNotAllowed)
            {
                var documented = found!.Value.Item.Select(m => m.Key.ToUpperInvariant()).ToHashSet();
                if (documented.Contains("GET"))
                {
                    documented.Add("HEAD");
                }

                var allow = headers.Allow.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
                if (!allow.SetEquals(documented))
                {
                    yield return $"Allow is '{headers.Allow}' but the document has {string.Join(", ", documented.Order())}";
                }
            }

            foreach (var problem in CheckBody(api, "#/components/schemas/ErrorEnvelope", api.Root["components"]!["schemas"]!["ErrorEnvelope"]!, isHead, body))
            {
                yield return problem;
            }

            yield break;
        }

        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var responses = operation["responses"]!.AsObject();
        if ((responses[code] ?? responses["default"]) is not System.Text.Json.Nodes.JsonObject response)
        {
            yield return $"status {code} is not documented for {operationMethod.ToUpperInvariant()} {found.Value.Template} (documented: {string.Join(", ", responses.Select(r => r.Key))})";
            yield break;
        }

        foreach (var (name, header) in response["headers"]?.AsObject() ?? [])
        {
            if (header?["required"]?.GetValue<bool>() == true && !headers.ContainsKey(name))
            {
                yield return $"required header {name} is missing";
            }
        }

        if (response["content"] is not System.Text.Json.Nodes.JsonObject content)
        {
            if (!body.IsEmpty)
            {
                yield return "a body where the document has none";
            }

            yield break;
        }

        var mediaType = contentType?.Split(';')[0].Trim();
        if (mediaType is null || content[mediaType] is not System.Text.Json.Nodes.JsonObject media)
        {
            yield return $"content type '{contentType}' is not documented (documented: {string.Join(", ", content.Select(c => c.Key))})";
            yield break;
        }

        var cacheKey = $"{found.Value.Template} {operationMethod} {code} {mediaType}";
        foreach (var problem in CheckBody(api, cacheKey, media["schema"]!, isHead, body))
        {
            yield return problem;
        }
    }

    private static IEnumerable<string> CheckBody(ApiDocument api, string cacheKey, System.Text.Json.Nodes.JsonNode schema, bool isHead, ReadOnlyMemory<byte> body)
    {
        if (isHead)
        {
            if (!body.IsEmpty)
            {
                yield return "a HEAD response with a body";
            }

            yield break;
        }

        JsonDocument? parsed = null;
        string? parseError = null;
        try
        {
            parsed = JsonDocument.Parse(body);
        }
        catch (JsonException exception)
        {
            parseError = exception.Message;
        }

        if (parsed is null)
        {
            yield return "the body is not JSON: " + parseError;
            yield break;
        }

        using (parsed)
        {
            foreach (var failure in ApiDocument.Evaluate(api.SchemaAt(cacheKey, schema), parsed.RootElement))
            {
                yield return failure;
            }
        }
    }
}

/// <summary>Puts <see cref="ContractCheck"/> in front of the whole pipeline of a test service.</summary>
public sealed class ContractCheckStartupFilter(ContractCheck check) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            var original = context.Response.Body;
            using var buffer = new MemoryStream();
            context.Response.Body = buffer;
            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                context.Response.Body = original;
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.RequestAborted);
            await check.CheckAsync(context.Request.Method, context.Request.Path.Value ?? "/", context.Response.StatusCode,
                context.Response.ContentType, context.Response.Headers, buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        });
        next(app);
    };
}
