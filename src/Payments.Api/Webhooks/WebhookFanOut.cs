using System.Text.Json;
using Payments.Api.Events;
using Payments.Api.TransactionLog;

namespace Payments.Api.Webhooks;

/// <summary>
/// Turns transaction-log rows into deliveries: each public event of a row (the same events, ids and
/// bodies as <c>GET /v1/events</c>) becomes one delivery per enabled endpoint of the merchant that
/// subscribed to its type and was created before the row. It is a sink of the relay's own exporter
/// (under its own cursor, <c>webhooks</c>), so it sees the log in seq order, waits at gaps like the
/// relay, and at least once; a repeated batch inserts nothing new.
/// </summary>
public sealed class WebhookFanOut(WebhookStore store, TimeProvider time) : ITransactionLogSink
{
    public string Destination => "webhook deliveries";

    public async Task WriteAsync(TransactionLogBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var merchants = batch.Events.Select(e => e.MerchantId).Distinct(StringComparer.Ordinal).ToList();
        var subscriptions = (await store.SubscriptionsAsync(merchants, cancellationToken)).ToLookup(s => s.MerchantId, StringComparer.Ordinal);
        var deliveries = new List<NewDelivery>();
        foreach (var row in batch.Events)
        {
            var endpoints = subscriptions[row.MerchantId].Where(s => row.Seq > s.AfterSeq).ToList();
            if (endpoints.Count == 0)
            {
                continue;
            }

            var isFirst = row.EventType != EventTypes.LogCaptured || !await store.HasEarlierRowAsync(row.MerchantId, row.ObjectId, row.Seq, cancellationToken);
            // Expand lists a row's events newest first; deliveries go oldest first (payment.created before payment.captured).
            foreach (var (id, type, position) in EventTypes.Expand(row.EventId, row.EventType, isFirst).Reverse())
            {
                var matching = endpoints.Where(e => e.EnabledEvents.Contains(type, StringComparer.Ordinal)).ToList();
                if (matching.Count == 0)
                {
                    continue;
                }

                var resource = new PaymentEvent(id, type, row.Seq, position, row.ObjectId, row.Payload, row.CreatedAt).ToResource();
                var payload = JsonSerializer.Serialize(resource, EventsJson.Wire.EventResource);
                var orderingKey = OrderingKey(row);
                deliveries.AddRange(matching.Select(e => new NewDelivery(e.Id, row.MerchantId, id, type, orderingKey, payload)));
            }
        }

        await store.InsertDeliveriesAsync(deliveries, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
    }

    /// <summary>What deliveries are ordered by: the payment (a refund's events follow its payment's), else the object.</summary>
    private static string OrderingKey(TransactionLogEvent row)
    {
        if (row.EventType == EventTypes.LogRefundSucceeded)
        {
            using var document = JsonDocument.Parse(row.Payload);
            if (document.RootElement.TryGetProperty("payment", out var payment) && payment.ValueKind == JsonValueKind.String)
            {
                return payment.GetString()!;
            }
        }

        return row.ObjectId;
    }
}
