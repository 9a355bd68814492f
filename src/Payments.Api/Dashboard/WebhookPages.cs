using System.Globalization;
using Payments.Api.Events;
using Payments.Api.Payments;
using Payments.Api.Webhooks;

namespace Payments.Api.Dashboard;

/// <summary>The dashboard's webhook pages: endpoints, the form that creates one (and shows its secret once), deletion, attempts.</summary>
public static class WebhookPages
{
    public static Html List(DashboardSession session, Page<WebhookEndpoint> page, string? startingAfter, string? notice) =>
        DashboardPages.Layout("Webhooks", session, Html.Of($"""
            {DashboardPages.Notice(notice)}
            <p>Events are sent to these HTTPS URLs, signed with each endpoint's secret (<code>Payments-Signature</code>). <a href="/dashboard/webhooks/new">Add an endpoint</a></p>
            {Endpoints(page.Data)}
            <nav class="pager" aria-label="Pages">{Html.Join([
                Html.When(startingAfter is not null, () => Html.Of($"""<a href="/dashboard/webhooks">First page</a>""")),
                Html.When(page.HasMore, () => Html.Of($"""<a href="/dashboard/webhooks?starting_after={page.Data[^1].Id}" rel="next">Next page</a>""")),
            ])}</nav>
            """), "webhooks");

    private static Html Endpoints(IReadOnlyList<WebhookEndpoint> endpoints) => endpoints.Count == 0
        ? Html.Of($"<p>No webhook endpoints yet.</p>")
        : Html.Of($"""
            <table>
            <caption>Webhook endpoints, newest first</caption>
            <thead><tr><th scope="col">Endpoint</th><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Created (UTC)</th></tr></thead>
            <tbody>{endpoints.Select(e => Html.Of($"""
                <tr><td><a href="/dashboard/webhooks/{e.Id}">{e.Id}</a></td><td>{e.Url}</td><td>{string.Join(", ", e.EnabledEvents)}</td><td>{Status(e.Status)}</td><td>{Time(e.Created)}</td></tr>
                """))}</tbody>
            </table>
            """);

    public static Html New(DashboardSession session, string? url, IReadOnlyCollection<string> events, string? description, string? error) =>
        DashboardPages.Layout("Add a webhook endpoint", session, Html.Of($"""
            {DashboardPages.Alert(error)}
            <form method="post" action="/dashboard/webhooks" class="stack">
            <input type="hidden" name="csrf" value="{session.CsrfToken}">
            <label for="wh-url">Endpoint URL</label>
            <input id="wh-url" name="url" type="url" required maxlength="{WebhookUrlPolicy.MaxUrlLength}" value="{url ?? ""}" placeholder="https://example.com/webhooks/payments">
            <fieldset>
            <legend>Events to send</legend>
            {EventTypes.All.Select((type, i) => Html.Of($"""
                <div><input type="checkbox" id="wh-event-{i}" name="enabled_events" value="{type}"{(events.Contains(type) ? Html.Of($" checked") : Html.Empty)}> <label class="check" for="wh-event-{i}">{type}</label></div>
                """))}
            </fieldset>
            <label for="wh-description">Description (optional)</label>
            <input id="wh-description" name="description" maxlength="{WebhookEndpointService.MaxDescriptionLength}" value="{description ?? ""}">
            <button type="submit">Add endpoint</button>
            </form>
            <p><a href="/dashboard/webhooks">Back to webhooks</a></p>
            """), "webhooks");

    public static Html Created(DashboardSession session, WebhookEndpoint endpoint) =>
        DashboardPages.Layout("Webhook endpoint added", session, Html.Of($"""
            <p role="status" class="notice">Copy the signing secret now: it is shown only this once. Verify each delivery's <code>Payments-Signature</code> header with it.</p>
            <dl class="facts">
            <dt>Endpoint</dt><dd>{endpoint.Id}</dd>
            <dt>URL</dt><dd>{endpoint.Url}</dd>
            <dt>Signing secret</dt><dd><code id="signing-secret">{endpoint.Secret}</code></dd>
            </dl>
            <p><a href="/dashboard/webhooks/{endpoint.Id}">Go to the endpoint</a> · <a href="/dashboard/webhooks">All webhook endpoints</a></p>
            """), "webhooks");

    public static Html Detail(DashboardSession session, WebhookEndpoint endpoint, Page<WebhookAttempt> attempts, string? startingAfter) =>
        DashboardPages.Layout($"Webhook endpoint {endpoint.Id}", session, Html.Of($"""
            <dl class="facts">
            <dt>URL</dt><dd>{endpoint.Url}</dd>
            <dt>Status</dt><dd>{Status(endpoint.Status)}</dd>
            <dt>Events</dt><dd>{string.Join(", ", endpoint.EnabledEvents)}</dd>
            <dt>Description</dt><dd>{endpoint.Description ?? "—"}</dd>
            <dt>Created (UTC)</dt><dd>{Time(endpoint.Created)}</dd>
            </dl>
            <form method="get" action="/dashboard/webhooks/{endpoint.Id}/delete" class="inline"><button type="submit" class="danger">Delete endpoint…</button></form>
            <h2>Delivery attempts</h2>
            {Attempts(attempts.Data)}
            <nav class="pager" aria-label="Pages">{Html.Join([
                Html.When(startingAfter is not null, () => Html.Of($"""<a href="/dashboard/webhooks/{endpoint.Id}">Newest attempts</a>""")),
                Html.When(attempts.HasMore, () => Html.Of($"""<a href="/dashboard/webhooks/{endpoint.Id}?starting_after={attempts.Data[^1].Id}" rel="next">Older attempts</a>""")),
            ])}</nav>
            """), "webhooks");

    private static Html Attempts(IReadOnlyList<WebhookAttempt> attempts) => attempts.Count == 0
        ? Html.Of($"<p>No delivery attempts yet.</p>")
        : Html.Of($"""
            <table>
            <caption>Delivery attempts, newest first</caption>
            <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Result</th><th scope="col" class="num">Status code</th><th scope="col" class="num">Duration</th><th scope="col">Error</th></tr></thead>
            <tbody>{attempts.Select(a => Html.Of($"""
                <tr><td>{TimeMs(a.AttemptedAtMs)}</td><td>{a.EventId}</td><td>{a.EventType}</td><td>{(a.Succeeded ? "delivered" : "failed")}</td><td class="num">{a.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "—"}</td><td class="num">{a.DurationMs.ToString(CultureInfo.InvariantCulture)} ms</td><td>{a.Error ?? ""}</td></tr>
                """))}</tbody>
            </table>
            """);

    public static Html ConfirmDelete(DashboardSession session, WebhookEndpoint endpoint) =>
        DashboardPages.Layout("Delete webhook endpoint", session, Html.Of($"""
            <p>Delete <strong>{endpoint.Id}</strong> ({endpoint.Url})? No more events are sent to it; its pending deliveries and attempt log are removed. This cannot be undone.</p>
            <form method="post" action="/dashboard/webhooks/{endpoint.Id}/delete" class="inline">
            <input type="hidden" name="csrf" value="{session.CsrfToken}">
            <button type="submit" class="danger">Delete endpoint</button>
            <a href="/dashboard/webhooks/{endpoint.Id}">Keep it</a>
            </form>
            """), "webhooks");

    private static Html Status(string status) =>
        Html.Of($"<span class=\"status {(status == WebhookEndpoint.Enabled ? "status-succeeded" : "status-failed")}\">{status}</span>");

    private static string Time(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string TimeMs(long unixMilliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
