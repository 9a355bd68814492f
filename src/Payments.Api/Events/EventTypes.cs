namespace Payments.Api.Events;

/// <summary>
/// The public event types and how the transaction log's own names map onto them. The log records
/// one row per committed state change; a payment created already captured (or declined) is one row
/// there but two public events: <c>payment.created</c>, then <c>payment.captured</c> (or
/// <c>payment.failed</c>). <c>payment.released</c> (the uncaptured rest of a partial capture) has
/// no public type: the <c>payment.captured</c> event of the same commit carries that payment.
/// </summary>
public static class EventTypes
{
    public const string PaymentCreated = "payment.created";
    public const string PaymentCaptured = "payment.captured";
    public const string PaymentCanceled = "payment.canceled";
    public const string PaymentFailed = "payment.failed";
    public const string RefundCreated = "refund.created";

    /// <summary>The worker disabled a webhook endpoint that kept failing (docs/webhooks.md); the log has the row under the same name.</summary>
    public const string WebhookEndpointDisabled = "webhook_endpoint.disabled";

    /// <summary>The transaction log's names (<see cref="Payments.PaymentService"/> writes them).</summary>
    public const string LogAuthorized = "payment.authorized";
    public const string LogCaptured = "payment.captured";
    public const string LogCanceled = "payment.canceled";
    public const string LogFailed = "payment.failed";
    public const string LogRefundSucceeded = "refund.succeeded";

    /// <summary>
    /// Suffix of the id of a <c>payment.created</c> event derived from a log row whose own event is
    /// <c>payment.captured</c> or <c>payment.failed</c>: stable, because the row's id is.
    /// </summary>
    public const string CreatedSuffix = "_created";

    public static IReadOnlyList<string> All { get; } = [PaymentCreated, PaymentCaptured, PaymentCanceled, PaymentFailed, RefundCreated, WebhookEndpointDisabled];

    /// <summary>The log names whose rows can yield an event of <paramref name="publicType"/> (every mapped name when null).</summary>
    public static IReadOnlyList<string> LogTypesFor(string? publicType) => publicType switch
    {
        null => [LogAuthorized, LogCaptured, LogCanceled, LogFailed, LogRefundSucceeded, WebhookEndpointDisabled],
        PaymentCreated => [LogAuthorized, LogCaptured, LogFailed],
        PaymentCaptured => [LogCaptured],
        PaymentCanceled => [LogCanceled],
        PaymentFailed => [LogFailed],
        RefundCreated => [LogRefundSucceeded],
        WebhookEndpointDisabled => [WebhookEndpointDisabled],
        _ => throw new ArgumentOutOfRangeException(nameof(publicType), publicType, "unknown event type"),
    };

    /// <summary>
    /// The public events of one log row, newest first (the order of a list): the row's own event,
    /// then the <c>payment.created</c> it implies when the row is the payment's first.
    /// </summary>
    public static IEnumerable<(string Id, string Type, int Position)> Expand(string eventId, string logType, bool isFirstOfObject)
    {
        switch (logType)
        {
            case LogAuthorized:
                yield return (eventId, PaymentCreated, 1);
                break;
            case LogCaptured:
                yield return (eventId, PaymentCaptured, 1);
                if (isFirstOfObject)
                {
                    yield return (eventId + CreatedSuffix, PaymentCreated, 0);
                }

                break;
            case LogFailed:
                yield return (eventId, PaymentFailed, 1);
                yield return (eventId + CreatedSuffix, PaymentCreated, 0);
                break;
            case LogCanceled:
                yield return (eventId, PaymentCanceled, 1);
                break;
            case LogRefundSucceeded:
                yield return (eventId, RefundCreated, 1);
                break;
            case WebhookEndpointDisabled:
                yield return (eventId, WebhookEndpointDisabled, 1);
                break;
        }
    }
}
