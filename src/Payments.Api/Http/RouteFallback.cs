using Microsoft.AspNetCore.Routing.Template;

namespace Payments.Api.Http;

/// <summary>
/// What the <c>/v1</c> fallback answers. The fallback matches every method, so routing never produces
/// its own 405 under it: a path served with other methods is answered here with 405 and <c>Allow</c>,
/// anything else is 404 <c>resource_missing</c>.
/// </summary>
public static class RouteFallback
{
    public static IResult Answer(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var method = HeadRequests.OriginalMethod(context);
        var allowed = AllowedMethods(context);
        if (allowed.Count > 0)
        {
            context.Response.Headers.Allow = string.Join(", ", allowed);
            return Results.Extensions.Error(StatusCodes.Status405MethodNotAllowed, new ErrorBody(
                ErrorTypes.InvalidRequest, "method_not_allowed", $"{method} is not allowed on {context.Request.Path}; use {string.Join(" or ", allowed)}."));
        }

        return Results.Extensions.Error(StatusCodes.Status404NotFound, new ErrorBody(
            ErrorTypes.InvalidRequest, "resource_missing", $"Unrecognized request URL ({method}: {context.Request.Path})."));
    }

    private static List<string> AllowedMethods(HttpContext context)
    {
        var routes = context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints;
        var methods = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in routes)
        {
            if (endpoint is not RouteEndpoint route || route.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } httpMethods)
            {
                continue;
            }

            var matcher = new TemplateMatcher(new RouteTemplate(route.RoutePattern), new RouteValueDictionary());
            if (matcher.TryMatch(context.Request.Path, new RouteValueDictionary()))
            {
                methods.UnionWith(httpMethods.HttpMethods);
            }
        }

        if (methods.Contains(HttpMethods.Get))
        {
            methods.Add(HttpMethods.Head);
        }

        return [.. methods];
    }
}

/// <summary>
/// HEAD is served wherever GET is: the request is routed as GET and the body is dropped, so headers
/// (status, Content-Type, Content-Length) are exactly those of the GET.
/// </summary>
public static class HeadRequests
{
    private const string OriginalMethodItem = "payments.original_method";

    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await next(context);
                return;
            }

            context.Items[OriginalMethodItem] = HttpMethods.Head;
            context.Request.Method = HttpMethods.Get;
            // The server must see HEAD again when the response starts, or it expects the body the headers announce.
            context.Response.OnStarting(static state =>
            {
                ((HttpContext)state).Request.Method = HttpMethods.Head;
                return Task.CompletedTask;
            }, context);
            var body = context.Response.Body;
            context.Response.Body = Stream.Null;
            try
            {
                await next(context);
            }
            finally
            {
                context.Response.Body = body;
                context.Request.Method = HttpMethods.Head;
            }
        });

    public static string OriginalMethod(HttpContext context) =>
        context?.Items[OriginalMethodItem] as string ?? context?.Request.Method ?? string.Empty;
}
