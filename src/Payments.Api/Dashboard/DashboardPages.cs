using System.Globalization;
using Payments.Api.Events;
using Payments.Api.Payments;

namespace Payments.Api.Dashboard;

/// <summary>
/// The dashboard's HTML. Server-rendered, no script at all: forms and links only, so the strict
/// Content-Security-Policy (<see cref="DashboardApi"/>) allows none, and every value goes through
/// <see cref="Html"/>'s encoding.
/// </summary>
public static class DashboardPages
{
    public const string StylesheetPath = "/dashboard/assets/dashboard.css";

    public static Html Layout(string title, DashboardSession? session, Html body, string? current = null) => Html.Of($"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{title} · Payments dashboard</title>
        <link rel="stylesheet" href="{StylesheetPath}">
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
        <span class="brand">Payments</span>
        {Html.When(session is not null, () => Navigation(session!, current))}
        </header>
        <main id="main" tabindex="-1">
        <h1>{title}</h1>
        {body}
        </main>
        </body>
        </html>
        """);

    private static Html Navigation(DashboardSession session, string? current) => Html.Of($"""
        <nav aria-label="Main">
        <a href="/dashboard/payments"{Current(current == "payments")}>Payments</a>
        <a href="/dashboard/balance"{Current(current == "balance")}>Balance</a>
        <a href="/dashboard/webhooks"{Current(current == "webhooks")}>Webhooks</a>
        </nav>
        <form class="signout" method="post" action="/dashboard/sign-out">
        <input type="hidden" name="csrf" value="{session.CsrfToken}">
        <span class="merchant">{session.MerchantId}</span>
        <button type="submit" class="secondary">Sign out</button>
        </form>
        """);

    private static Html Current(bool current) => current ? Html.Of($" aria-current=\"page\"") : Html.Empty;

    public static Html SignIn(string? error) => Layout("Sign in", null, Html.Of($"""
        <p>Sign in with your secret key (<code>sk_…</code>). The key is checked by the server and not kept by your browser: it holds only a session cookie.</p>
        {Alert(error)}
        <form method="post" action="/dashboard/sign-in" class="stack">
        <label for="key">Secret key</label>
        <input id="key" name="key" type="password" autocomplete="off" required maxlength="200" autofocus>
        <button type="submit">Sign in</button>
        </form>
        """));

    public static Html HttpsRequired() => Layout("HTTPS required", null, Html.Of($"""
        <p role="alert" class="alert">The dashboard signs in only over HTTPS, so that your secret key and session cannot be read on the way.
        This environment is served over plain HTTP (it has no certificate). Use the API with your secret key instead, or open the dashboard of an environment with HTTPS.</p>
        """));

    public static Html Alert(string? message) =>
        message is null ? Html.Empty : Html.Of($"""<p role="alert" class="alert">{message}</p>""");

    public static Html Notice(string? message) =>
        message is null ? Html.Empty : Html.Of($"""<p role="status" class="notice">{message}</p>""");

    public static Html PaymentsList(DashboardSession session, PaymentsQuery query, IReadOnlyList<string> currencies, Page<Payment>? page, string? error)
    {
        var rows = page?.Data.Select(p => Html.Of($"""
            <tr>
            <td><a href="/dashboard/payments/{p.Id}">{p.Id}</a></td>
            <td class="num">{Money(p.Amount, p.Currency)}</td>
            <td>{Status(p.Status)}</td>
            <td>{p.Description ?? ""}</td>
            <td>{Time(p.Created)}</td>
            </tr>
            """)).ToList() ?? [];
        var table = page is null ? Html.Empty : rows.Count == 0
            ? Html.Of($"""<p>No payments match.</p>""")
            : Html.Of($"""
                <table>
                <caption>Payments, newest first</caption>
                <thead><tr><th scope="col">ID</th><th scope="col" class="num">Amount</th><th scope="col">Status</th><th scope="col">Description</th><th scope="col">Created (UTC)</th></tr></thead>
                <tbody>{rows}</tbody>
                </table>
                """);
        var pager = Html.Join([
            Html.When(query.StartingAfter is not null, () => Html.Of($"""<a href="{query.Link(null)}">First page</a>""")),
            Html.When(page is { HasMore: true }, () => Html.Of($"""<a href="{query.Link(page!.Data[^1].Id)}" rel="next">Next page</a>""")),
        ]);
        return Layout("Payments", session, Html.Of($"""
            <form method="get" action="/dashboard/payments" class="search" role="search" aria-label="Search payments">
            <div><label for="q-id">Payment ID</label><input id="q-id" name="id" value="{query.Id ?? ""}" maxlength="255" placeholder="pay_…"></div>
            <div><label for="q-status">Status</label><select id="q-status" name="status">{Options(["", "requires_capture", "succeeded", "canceled", "failed"], query.Status, "Any")}</select></div>
            <div><label for="q-amount">Amount</label><input id="q-amount" name="amount" value="{query.Amount ?? ""}" inputmode="decimal" maxlength="24" placeholder="19.99"></div>
            <div><label for="q-currency">Currency</label><select id="q-currency" name="currency">{Options(["", .. currencies], query.Currency, "Any")}</select></div>
            <div><label for="q-from">Created from</label><input id="q-from" name="created_from" type="date" value="{query.CreatedFrom ?? ""}"></div>
            <div><label for="q-to">Created to</label><input id="q-to" name="created_to" type="date" value="{query.CreatedTo ?? ""}"></div>
            <div class="actions"><button type="submit">Search</button> <a href="/dashboard/payments">Clear</a></div>
            </form>
            {Alert(error)}
            {table}
            <nav class="pager" aria-label="Pages">{pager}</nav>
            """), "payments");
    }

    public static Html PaymentDetail(
        DashboardSession session, Payment payment, IReadOnlyList<Refund> refunds, IReadOnlyList<PaymentEvent> events, IReadOnlyList<LedgerRow> ledger, string? notice, string? error)
    {
        var metadata = payment.Metadata.Count == 0
            ? Html.Of($"""<p>No metadata.</p>""")
            : Html.Of($"""
                <table>
                <caption>Metadata</caption>
                <thead><tr><th scope="col">Key</th><th scope="col">Value</th></tr></thead>
                <tbody>{payment.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => Html.Of($"<tr><td>{kv.Key}</td><td>{kv.Value}</td></tr>"))}</tbody>
                </table>
                """);
        var actions = new List<Html>();
        if (payment.Status == PaymentStatus.RequiresCapture)
        {
            actions.Add(Html.Of($"""
                <form method="get" action="/dashboard/payments/{payment.Id}/confirm" class="inline">
                <input type="hidden" name="action" value="capture">
                <label for="capture-amount">Amount to capture ({payment.Currency.ToUpperInvariant()})</label>
                <input id="capture-amount" name="amount" value="{Major(payment.AmountCapturable, payment.Currency)}" inputmode="decimal" maxlength="24" required>
                <button type="submit">Capture…</button>
                </form>
                <form method="get" action="/dashboard/payments/{payment.Id}/confirm" class="inline">
                <input type="hidden" name="action" value="cancel">
                <button type="submit" class="danger">Cancel payment…</button>
                </form>
                """));
        }

        if (payment.Status == PaymentStatus.Succeeded && payment.Refundable > 0)
        {
            actions.Add(Html.Of($"""
                <form method="get" action="/dashboard/payments/{payment.Id}/confirm" class="inline">
                <input type="hidden" name="action" value="refund">
                <label for="refund-amount">Amount to refund ({payment.Currency.ToUpperInvariant()})</label>
                <input id="refund-amount" name="amount" value="{Major(payment.Refundable, payment.Currency)}" inputmode="decimal" maxlength="24" required>
                <label for="refund-reason">Reason</label>
                <select id="refund-reason" name="reason">{Options(["", .. PaymentValidation.RefundReasons], null, "None")}</select>
                <button type="submit">Refund…</button>
                </form>
                """));
        }

        var refundRows = refunds.Select(r => Html.Of($"<tr><td>{r.Id}</td><td class=\"num\">{Money(r.Amount, r.Currency)}</td><td>{r.Reason ?? "—"}</td><td>{Time(r.Created)}</td></tr>"));
        var eventRows = events.Select(e => Html.Of($"<tr><td>{e.Id}</td><td>{e.Type}</td><td>{e.ObjectId}</td><td>{Time(e.Created.ToUnixTimeSeconds())}</td></tr>"));
        var ledgerRows = ledger.Select(l => Html.Of($"<tr><td>{l.Id}</td><td>{l.Movement}</td><td>{l.DebitAccount}</td><td>{l.CreditAccount}</td><td class=\"num\">{Money(l.Amount, l.Currency)}</td><td>{l.RefundId ?? "—"}</td></tr>"));
        return Layout("Payment " + payment.Id, session, Html.Of($"""
            <p><a href="/dashboard/payments">← All payments</a></p>
            {Notice(notice)}
            {Alert(error)}
            <dl class="facts">
            <dt>Status</dt><dd>{Status(payment.Status)}</dd>
            <dt>Amount</dt><dd>{Money(payment.Amount, payment.Currency)}</dd>
            <dt>Capturable</dt><dd>{Money(payment.AmountCapturable, payment.Currency)}</dd>
            <dt>Captured</dt><dd>{Money(payment.AmountCaptured, payment.Currency)}</dd>
            <dt>Refunded</dt><dd>{Money(payment.AmountRefunded, payment.Currency)}</dd>
            <dt>Card</dt><dd>{payment.Card.Brand} •••• {payment.Card.Last4}, expires {payment.Card.ExpMonth.ToString("00", CultureInfo.InvariantCulture)}/{payment.Card.ExpYear}</dd>
            <dt>Description</dt><dd>{payment.Description ?? "—"}</dd>
            <dt>Created (UTC)</dt><dd>{Time(payment.Created)}</dd>
            {Html.When(payment.FailureCode is not null, () => Html.Of($"<dt>Failure</dt><dd>{payment.FailureCode}: {payment.FailureMessage}</dd>"))}
            </dl>
            <h2>Metadata</h2>
            {metadata}
            <h2>Actions</h2>
            {(actions.Count == 0 ? Html.Of($"<p>No action is possible in this state.</p>") : Html.Join(actions))}
            <h2>Refunds</h2>
            {Table("Refunds", ["ID", "Amount", "Reason", "Created (UTC)"], refundRows, "No refunds.")}
            <h2>Events</h2>
            {Table("Events, oldest first", ["ID", "Type", "Object", "Created (UTC)"], eventRows, "No events.")}
            <h2>Ledger entries</h2>
            {Table("Ledger entries: each movement debits one account and credits another by its amount", ["#", "Movement", "Debit", "Credit", "Amount", "Refund"], ledgerRows, "No ledger entries.")}
            """), "payments");
    }

    public static Html Confirm(DashboardSession session, Payment payment, PaymentAction action, string idempotencyKey) => Layout("Confirm", session, Html.Of($"""
        <p><a href="/dashboard/payments/{payment.Id}">← Back to the payment</a></p>
        <form method="post" action="/dashboard/payments/{payment.Id}/{action.Name}" class="stack confirm">
        <p id="confirm-question">{action.Question(payment)}</p>
        <input type="hidden" name="csrf" value="{session.CsrfToken}">
        <input type="hidden" name="idempotency_key" value="{idempotencyKey}">
        {Html.When(action.Amount is not null, () => Html.Of($"<input type=\"hidden\" name=\"amount\" value=\"{action.Amount}\">"))}
        {Html.When(action.Reason is not null, () => Html.Of($"<input type=\"hidden\" name=\"reason\" value=\"{action.Reason}\">"))}
        <div><button type="submit" aria-describedby="confirm-question" class="{(action.Name == "cancel" ? "danger" : "")}">{action.Button}</button>
        <a href="/dashboard/payments/{payment.Id}">Keep it as it is</a></div>
        </form>
        """));

    public static Html Balance(DashboardSession session, IReadOnlyList<CurrencyBalance> balances) => Layout("Balance", session, Html.Of($"""
        <p>Per currency, from the ledger: captured minus refunded.</p>
        {Table("Balance per currency", ["Currency", "Captured", "Refunded", "Net"],
            balances.Select(b => Html.Of($"<tr><td>{b.Currency.ToUpperInvariant()}</td><td class=\"num\">{Money(b.Captured, b.Currency)}</td><td class=\"num\">{Money(b.Refunded, b.Currency)}</td><td class=\"num\">{Money(b.Net, b.Currency)}</td></tr>")),
            "No captured payments yet.")}
        """), "balance");

    public static Html NotFound(DashboardSession session, string what) => Layout("Not found", session, Html.Of($"""
        <p>{what}</p>
        <p><a href="/dashboard/payments">All payments</a></p>
        """));

    private static Html Table(string caption, IReadOnlyList<string> headers, IEnumerable<Html> rows, string empty)
    {
        var list = rows.ToList();
        return list.Count == 0 ? Html.Of($"<p>{empty}</p>") : Html.Of($"""
            <table>
            <caption>{caption}</caption>
            <thead><tr>{headers.Select(h => Html.Of($"<th scope=\"col\">{h}</th>"))}</tr></thead>
            <tbody>{list}</tbody>
            </table>
            """);
    }

    private static IEnumerable<Html> Options(IEnumerable<string> values, string? selected, string emptyLabel) =>
        values.Select(v => Html.Of($"<option value=\"{v}\"{(v == (selected ?? "") ? Html.Of($" selected") : Html.Empty)}>{(v.Length == 0 ? emptyLabel : v)}</option>"));

    private static Html Status(PaymentStatus status) => Html.Of($"<span class=\"status status-{status.WireName()}\">{status.WireName().Replace('_', ' ')}</span>");

    public static string Money(long minor, string currency) => $"{Major(minor, currency)} {currency.ToUpperInvariant()}";

    /// <summary>Minor units as a decimal in major units (1999 usd → 19.99).</summary>
    public static string Major(long minor, string currency)
    {
        var exponent = Currencies.TryGetExponent(currency, out var e) ? e : 0;
        return (minor / (decimal)Pow10(exponent)).ToString("F" + exponent.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>A decimal typed in major units as minor units of <paramref name="currency"/>; null when it is not a valid amount there.</summary>
    public static long? ParseMajor(string text, string currency)
    {
        if (!Currencies.TryGetExponent(currency, out var exponent)
            || !decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var major))
        {
            return null;
        }

        var minor = major * Pow10(exponent);
        return minor == decimal.Truncate(minor) && minor is > 0 and <= long.MaxValue ? (long)minor : null;
    }

    private static long Pow10(int exponent)
    {
        var value = 1L;
        for (var i = 0; i < exponent; i++)
        {
            value *= 10;
        }

        return value;
    }

    private static string Time(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
