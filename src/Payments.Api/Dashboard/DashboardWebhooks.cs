using Payments.Api.Webhooks;

namespace Payments.Api.Dashboard;

/// <summary>The dashboard's webhook routes, on the dashboard's group (session, CSRF and Origin checks, security headers).</summary>
public static class DashboardWebhooks
{
    private const int PageSize = 25;

    public static RouteGroupBuilder MapDashboardWebhooks(this RouteGroupBuilder dashboard)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        dashboard.MapGet("/webhooks", ListAsync);
        dashboard.MapGet("/webhooks/new", (HttpContext context) => DashboardApi.Page(WebhookPages.New(DashboardApi.Session(context), null, [], null, null)));
        dashboard.MapPost("/webhooks", CreateAsync);
        dashboard.MapGet("/webhooks/{id}", DetailAsync);
        dashboard.MapGet("/webhooks/{id}/delete", ConfirmDeleteAsync);
        dashboard.MapPost("/webhooks/{id}/delete", DeleteAsync);
        return dashboard;
    }

    private static async Task<IResult> ListAsync(HttpContext context, WebhookStore store)
    {
        var session = DashboardApi.Session(context);
        var after = Cursor(context);
        var page = await store.ListEndpointsAsync(session.MerchantId, PageSize, after, context.RequestAborted);
        if (page is null)
        {
            return DashboardApi.Page(DashboardPages.NotFound(session, "That page no longer exists."), StatusCodes.Status400BadRequest);
        }

        var notice = context.Request.Query["done"].ToString() == "delete" ? "Webhook endpoint deleted." : null;
        return DashboardApi.Page(WebhookPages.List(session, page, after, notice));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, WebhookEndpointService endpoints)
    {
        var session = DashboardApi.Session(context);
        var (form, refusal) = await DashboardApi.ReadFormAsync(context);
        if (form is null)
        {
            return refusal!;
        }

        var url = form["url"].ToString().Trim();
        var events = form["enabled_events"].Where(e => e is not null).Select(e => e!).ToList();
        var description = form["description"].ToString().Trim();
        var (created, error) = await endpoints.CreateAsync(session.MerchantId, url, events, description, context.RequestAborted);
        // The secret is shown in this response only, never in a URL (a redirect would put it in history).
        return created is null
            ? DashboardApi.Page(WebhookPages.New(session, url, events, description, error!.Message), StatusCodes.Status400BadRequest)
            : DashboardApi.Page(WebhookPages.Created(session, created), StatusCodes.Status201Created);
    }

    private static async Task<IResult> DetailAsync(HttpContext context, string id, WebhookStore store)
    {
        var session = DashboardApi.Session(context);
        if (await store.FindEndpointAsync(session.MerchantId, id, context.RequestAborted) is not { } endpoint)
        {
            return NoSuchEndpoint(session, id);
        }

        var after = Cursor(context);
        var attempts = await store.ListAttemptsAsync(endpoint.Id, PageSize, after, context.RequestAborted);
        return attempts is null
            ? DashboardApi.Page(DashboardPages.NotFound(session, "That page no longer exists."), StatusCodes.Status400BadRequest)
            : DashboardApi.Page(WebhookPages.Detail(session, endpoint, attempts, after));
    }

    private static async Task<IResult> ConfirmDeleteAsync(HttpContext context, string id, WebhookStore store)
    {
        var session = DashboardApi.Session(context);
        return await store.FindEndpointAsync(session.MerchantId, id, context.RequestAborted) is { } endpoint
            ? DashboardApi.Page(WebhookPages.ConfirmDelete(session, endpoint))
            : NoSuchEndpoint(session, id);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string id, WebhookStore store)
    {
        var session = DashboardApi.Session(context);
        return await store.DeleteEndpointAsync(session.MerchantId, id, context.RequestAborted)
            ? Results.Redirect("/dashboard/webhooks?done=delete")
            : NoSuchEndpoint(session, id);
    }

    private static string? Cursor(HttpContext context) =>
        context.Request.Query["starting_after"].ToString() is { Length: > 0 and <= 255 } after ? after : null;

    private static IResult NoSuchEndpoint(DashboardSession session, string id) =>
        DashboardApi.Page(DashboardPages.NotFound(session, $"No webhook endpoint has the ID {id}."), StatusCodes.Status404NotFound);
}
