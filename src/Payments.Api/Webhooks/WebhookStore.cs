using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Payments.Api.Events;
using Payments.Api.Http;
using Payments.Api.Payments;
using Payments.Api.Storage;

namespace Payments.Api.Webhooks;

/// <summary>A delivery a worker holds the lease of, with what it needs to send it.</summary>
public sealed record ClaimedDelivery(
    long Id,
    string EndpointId,
    string MerchantId,
    string Url,
    string Secret,
    string EventId,
    string EventType,
    string Payload,
    int Attempts,
    long CreatedAtMs);

/// <summary>What one attempt ended in: a status code when the receiver answered, an error otherwise.</summary>
public sealed record DeliveryOutcome(int? StatusCode, long DurationMs, string? Error)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>A delivery the fan-out creates: one event for one endpoint.</summary>
public sealed record NewDelivery(string EndpointId, string MerchantId, string EventId, string EventType, string OrderingKey, string Payload);

/// <summary>An enabled endpoint as the fan-out matches events against it.</summary>
public sealed record EndpointSubscription(string Id, string MerchantId, IReadOnlyList<string> EnabledEvents, long AfterSeq);

/// <summary>
/// Webhook endpoints, deliveries and attempts. The statements are shared; each store's subclass
/// supplies what differs per dialect: how a repeated delivery insert is ignored and how workers
/// claim deliveries (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>).
/// </summary>
public abstract class WebhookStore(IConnectionFactory connections)
{
    /// <summary>The implementation for the configured store.</summary>
    public static WebhookStore For(IConnectionFactory connections) => connections switch
    {
        PostgresConnectionFactory => new PostgresWebhookStore(connections),
        SqliteConnectionFactory => new SqliteWebhookStore(connections),
        _ => throw new InvalidOperationException($"no webhook store for {connections?.GetType().Name ?? "null"}"),
    };

    /// <summary>The delivery insert (columns and VALUES given) made to ignore a delivery already there for (endpoint_id, event_id).</summary>
    protected abstract string IgnoringRepeatedDelivery(string insert);

    /// <summary>The ids to lease from the <c>picked</c> CTE; PostgreSQL re-checks and skips rows another worker is locking.</summary>
    protected abstract string ClaimTargetSql { get; }

    private const string EndpointColumns = "id, merchant_id, url, description, enabled_events, secret, status, created, disabled_at";

    private static readonly string[] EndpointChildTables = ["webhook_deliveries", "webhook_attempts"];

    private const string AttemptColumns = "id, endpoint_id, event_id, event_type, attempted_at, status_code, duration_ms, error, succeeded";


    public Task CreateEndpointAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return connections.WriteAsync(async (connection, transaction) =>
        {
            // Deliveries start after the log's current end: an endpoint gets what happens from now on.
            await using var insert = Db.Command(connection, transaction,
                "INSERT INTO webhook_endpoints (id, merchant_id, url, description, enabled_events, secret, status, created, after_seq) " +
                "SELECT @id, @merchant_id, @url, @description, @enabled_events, @secret, @status, @created, coalesce(max(seq), 0) FROM transaction_log",
                ("id", endpoint.Id), ("merchant_id", endpoint.MerchantId), ("url", endpoint.Url), ("description", endpoint.Description),
                ("enabled_events", JsonSerializer.Serialize(endpoint.EnabledEvents.ToList(), WebhooksJsonContext.Default.ListString)),
                ("secret", endpoint.Secret), ("status", endpoint.Status), ("created", endpoint.Created));
            await insert.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);
    }

    public async Task<WebhookEndpoint?> FindEndpointAsync(string merchantId, string id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Db.Command(connection, null,
            $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE id = @id AND merchant_id = @merchant_id", ("id", id), ("merchant_id", merchantId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadEndpoint(reader) : null;
    }

    /// <summary>Newest first, after <paramref name="startingAfter"/>; null when that endpoint is not the merchant's.</summary>
    public async Task<Page<WebhookEndpoint>?> ListEndpointsAsync(string merchantId, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var bound = long.MaxValue;
        if (startingAfter is not null)
        {
            await using var cursor = Db.Command(connection, null, "SELECT seq FROM webhook_endpoints WHERE id = @id AND merchant_id = @merchant_id",
                ("id", startingAfter), ("merchant_id", merchantId));
            if (await cursor.ExecuteScalarAsync(cancellationToken) is not { } seq || seq is DBNull)
            {
                return null;
            }

            bound = Convert.ToInt64(seq, CultureInfo.InvariantCulture);
        }

        await using var command = Db.Command(connection, null,
            $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE merchant_id = @merchant_id AND seq < @bound ORDER BY seq DESC LIMIT @limit",
            ("merchant_id", merchantId), ("bound", bound), ("limit", limit + 1));
        var endpoints = new List<WebhookEndpoint>(limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            endpoints.Add(ReadEndpoint(reader));
        }

        return new Page<WebhookEndpoint>(endpoints.Take(limit).ToList(), endpoints.Count > limit);
    }

    /// <summary>Deletes the endpoint with its pending deliveries and attempt log; false when it is not the merchant's.</summary>
    public Task<bool> DeleteEndpointAsync(string merchantId, string id, CancellationToken cancellationToken) =>
        connections.WriteAsync(async (connection, transaction) =>
        {
            await using var endpoint = Db.Command(connection, transaction, "DELETE FROM webhook_endpoints WHERE id = @id AND merchant_id = @merchant_id",
                ("id", id), ("merchant_id", merchantId));
            if (await endpoint.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return false;
            }

            foreach (var table in EndpointChildTables)
            {
                await using var rows = Db.Command(connection, transaction, $"DELETE FROM {table} WHERE endpoint_id = @id", ("id", id));
                await rows.ExecuteNonQueryAsync(cancellationToken);
            }

            return true;
        }, cancellationToken);

    /// <summary>An endpoint's attempts, newest first, after <paramref name="startingAfter"/> (an attempt id); null when that attempt is not the endpoint's.</summary>
    public async Task<Page<WebhookAttempt>?> ListAttemptsAsync(string endpointId, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var bound = long.MaxValue;
        if (startingAfter is not null)
        {
            await using var cursor = Db.Command(connection, null, "SELECT seq FROM webhook_attempts WHERE id = @id AND endpoint_id = @endpoint_id",
                ("id", startingAfter), ("endpoint_id", endpointId));
            if (await cursor.ExecuteScalarAsync(cancellationToken) is not { } seq || seq is DBNull)
            {
                return null;
            }

            bound = Convert.ToInt64(seq, CultureInfo.InvariantCulture);
        }

        await using var command = Db.Command(connection, null,
            $"SELECT {AttemptColumns} FROM webhook_attempts WHERE endpoint_id = @endpoint_id AND seq < @bound ORDER BY seq DESC LIMIT @limit",
            ("endpoint_id", endpointId), ("bound", bound), ("limit", limit + 1));
        var attempts = new List<WebhookAttempt>(limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(new WebhookAttempt(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture),
                reader.IsDBNull(5) ? null : Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture), reader.IsDBNull(7) ? null : reader.GetString(7),
                Convert.ToBoolean(reader.GetValue(8), CultureInfo.InvariantCulture)));
        }

        return new Page<WebhookAttempt>(attempts.Take(limit).ToList(), attempts.Count > limit);
    }

    /// <summary>The enabled endpoints of <paramref name="merchantIds"/>, for the fan-out.</summary>
    public async Task<IReadOnlyList<EndpointSubscription>> SubscriptionsAsync(IReadOnlyCollection<string> merchantIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merchantIds);
        var subscriptions = new List<EndpointSubscription>();
        await using var connection = await connections.OpenAsync(cancellationToken);
        foreach (var merchantId in merchantIds)
        {
            await using var command = Db.Command(connection, null,
                "SELECT id, merchant_id, enabled_events, after_seq FROM webhook_endpoints WHERE merchant_id = @merchant_id AND status = 'enabled'",
                ("merchant_id", merchantId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                subscriptions.Add(new EndpointSubscription(reader.GetString(0), reader.GetString(1), ReadEvents(reader.GetString(2)),
                    Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture)));
            }
        }

        return subscriptions;
    }

    /// <summary>Whether the transaction log holds a row of the same object before <paramref name="seq"/>.</summary>
    public async Task<bool> HasEarlierRowAsync(string merchantId, string objectId, long seq, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Db.Command(connection, null,
            "SELECT 1 FROM transaction_log WHERE object_id = @object_id AND merchant_id = @merchant_id AND seq < @seq LIMIT 1",
            ("object_id", objectId), ("merchant_id", merchantId), ("seq", seq));
        return await command.ExecuteScalarAsync(cancellationToken) is not null and not DBNull;
    }

    /// <summary>Inserts deliveries in order, each (endpoint, event) once: a repeated fan-out of the same batch adds nothing.</summary>
    public Task InsertDeliveriesAsync(IReadOnlyList<NewDelivery> deliveries, long nowMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0)
        {
            return Task.CompletedTask;
        }

        var sql = "INSERT INTO webhook_deliveries (endpoint_id, merchant_id, event_id, event_type, ordering_key, payload, status, created_at, next_attempt_at) " +
            "VALUES (@endpoint_id, @merchant_id, @event_id, @event_type, @ordering_key, @payload, 'pending', @now, @now)";
        sql = IgnoringRepeatedDelivery(sql);
        return connections.WriteAsync(async (connection, transaction) =>
        {
            foreach (var delivery in deliveries)
            {
                await using var insert = Db.Command(connection, transaction, sql,
                    ("endpoint_id", delivery.EndpointId), ("merchant_id", delivery.MerchantId), ("event_id", delivery.EventId),
                    ("event_type", delivery.EventType), ("ordering_key", delivery.OrderingKey), ("payload", delivery.Payload), ("now", nowMs));
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> due deliveries to <paramref name="owner"/> until
    /// <paramref name="leaseUntilMs"/>. Due: pending, its retry time reached, not leased (or the
    /// lease expired: its worker died), its endpoint enabled, no earlier delivery of the same payment
    /// to the same endpoint still pending (order per payment), and its endpoint below
    /// <paramref name="perEndpoint"/> leased deliveries. PostgreSQL skips rows another worker is
    /// claiming at the same moment.
    /// </summary>
    public Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(long nowMs, long leaseUntilMs, string owner, int limit, int perEndpoint, CancellationToken cancellationToken)
    {
        var picked =
            "WITH leased AS (SELECT endpoint_id, count(*) AS n FROM webhook_deliveries WHERE status = 'pending' AND lease_until >= @now GROUP BY endpoint_id), " +
            "due AS (SELECT d.id, d.endpoint_id, ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.id) AS position " +
            "FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.status = 'enabled' " +
            "WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND (d.lease_until IS NULL OR d.lease_until < @now) " +
            "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id AND e.ordering_key = d.ordering_key " +
            "AND e.status = 'pending' AND e.id < d.id)), " +
            "picked AS (SELECT due.id FROM due LEFT JOIN leased ON leased.endpoint_id = due.endpoint_id " +
            "WHERE due.position <= @per_endpoint - coalesce(leased.n, 0) ORDER BY due.id LIMIT @limit) ";
        var target = ClaimTargetSql;
        var claim = picked + $"UPDATE webhook_deliveries SET lease_until = @lease_until, lease_owner = @owner WHERE id IN ({target}) RETURNING id";
        return connections.WriteAsync<IReadOnlyList<ClaimedDelivery>>(async (connection, transaction) =>
        {
            var ids = new List<long>();
            await using (var update = Db.Command(connection, transaction, claim,
                ("now", nowMs), ("lease_until", leaseUntilMs), ("owner", owner), ("limit", limit), ("per_endpoint", perEndpoint)))
            await using (var reader = await update.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    ids.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
                }
            }

            var claimed = new List<ClaimedDelivery>(ids.Count);
            foreach (var id in ids.Order())
            {
                await using var select = Db.Command(connection, transaction,
                    "SELECT d.id, d.endpoint_id, d.merchant_id, w.url, w.secret, d.event_id, d.event_type, d.payload, d.attempts, d.created_at " +
                    "FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE d.id = @id", ("id", id));
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    claimed.Add(new ClaimedDelivery(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                        reader.GetString(5), reader.GetString(6), reader.GetString(7), Convert.ToInt32(reader.GetValue(8), CultureInfo.InvariantCulture),
                        Convert.ToInt64(reader.GetValue(9), CultureInfo.InvariantCulture)));
                }
            }

            return claimed;
        }, cancellationToken);
    }

    /// <summary>
    /// Records an attempt and its consequence in one transaction: the delivery succeeds, is retried at
    /// <paramref name="retryAtMs"/>, or is given up (<paramref name="giveUp"/>); the endpoint's run of
    /// failures is reset or extended, and the endpoint is disabled — with a
    /// <c>webhook_endpoint.disabled</c> row in the transaction log — when <paramref name="shouldDisable"/>
    /// says the run is long enough. Returns true when this attempt disabled the endpoint.
    /// </summary>
    public Task<bool> CompleteAsync(
        ClaimedDelivery delivery, string owner, DeliveryOutcome outcome, long nowMs, long retryAtMs, bool giveUp,
        Func<int, long, bool> shouldDisable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(shouldDisable);
        return connections.WriteAsync(async (connection, transaction) =>
        {
            await using (var attempt = Db.Command(connection, transaction,
                "INSERT INTO webhook_attempts (id, endpoint_id, merchant_id, event_id, event_type, attempted_at, status_code, duration_ms, error, succeeded) " +
                "VALUES (@id, @endpoint_id, @merchant_id, @event_id, @event_type, @attempted_at, @status_code, @duration_ms, @error, @succeeded)",
                ("id", Ids.New("whatt_")), ("endpoint_id", delivery.EndpointId), ("merchant_id", delivery.MerchantId), ("event_id", delivery.EventId),
                ("event_type", delivery.EventType), ("attempted_at", nowMs - outcome.DurationMs), ("status_code", outcome.StatusCode),
                ("duration_ms", outcome.DurationMs), ("error", outcome.Error), ("succeeded", outcome.Succeeded)))
            {
                await attempt.ExecuteNonQueryAsync(cancellationToken);
            }

            var status = outcome.Succeeded ? "succeeded" : giveUp ? "failed" : "pending";
            await using (var update = Db.Command(connection, transaction,
                "UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1, next_attempt_at = @next, lease_until = NULL, lease_owner = NULL " +
                "WHERE id = @id AND status = 'pending' AND lease_owner = @owner",
                ("status", status), ("next", retryAtMs), ("id", delivery.Id), ("owner", owner)))
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            if (outcome.Succeeded)
            {
                await using var reset = Db.Command(connection, transaction,
                    "UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL WHERE id = @id", ("id", delivery.EndpointId));
                await reset.ExecuteNonQueryAsync(cancellationToken);
                return false;
            }

            int failures;
            long failingSince;
            await using (var extend = Db.Command(connection, transaction,
                "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, @now) " +
                "WHERE id = @id AND status = 'enabled' RETURNING consecutive_failures, failing_since", ("now", nowMs), ("id", delivery.EndpointId)))
            await using (var reader = await extend.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return false;
                }

                failures = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
                failingSince = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            }

            if (!shouldDisable(failures, failingSince))
            {
                return false;
            }

            await using (var disable = Db.Command(connection, transaction,
                "UPDATE webhook_endpoints SET status = 'disabled', disabled_at = @at WHERE id = @id AND status = 'enabled'",
                ("at", nowMs / 1000), ("id", delivery.EndpointId)))
            {
                if (await disable.ExecuteNonQueryAsync(cancellationToken) != 1)
                {
                    return false;
                }
            }

            WebhookEndpoint endpoint;
            await using (var select = Db.Command(connection, transaction, $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE id = @id", ("id", delivery.EndpointId)))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                endpoint = ReadEndpoint(reader);
            }

            // The outbox row of the change, in its commit: /v1/events, the relay and other endpoints see it.
            await using (var log = Db.Command(connection, transaction, PaymentSql.InsertEvent,
                ("event_id", Ids.New("evt_")), ("merchant_id", endpoint.MerchantId), ("event_type", EventTypes.WebhookEndpointDisabled),
                ("object_id", endpoint.Id), ("payload", JsonSerializer.Serialize(endpoint.ToResource(), WebhooksJson.Wire.WebhookEndpointResource))))
            {
                await log.ExecuteNonQueryAsync(cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>Gives a claimed delivery back (its worker is stopping) so that any worker may send it at once.</summary>
    public Task ReleaseLeaseAsync(long deliveryId, string owner, CancellationToken cancellationToken) =>
        connections.WriteAsync(async (connection, transaction) =>
        {
            await using var release = Db.Command(connection, transaction,
                "UPDATE webhook_deliveries SET lease_until = NULL, lease_owner = NULL WHERE id = @id AND lease_owner = @owner",
                ("id", deliveryId), ("owner", owner));
            return await release.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    private static WebhookEndpoint ReadEndpoint(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), ReadEvents(reader.GetString(4)),
        reader.GetString(5), reader.GetString(6), Convert.ToInt64(reader.GetValue(7), CultureInfo.InvariantCulture),
        reader.IsDBNull(8) ? null : Convert.ToInt64(reader.GetValue(8), CultureInfo.InvariantCulture));

    private static List<string> ReadEvents(string json) => JsonSerializer.Deserialize(json, WebhooksJsonContext.Default.ListString) ?? [];
}

/// <summary>Webhooks on PostgreSQL: ON CONFLICT for repeats, SKIP LOCKED so workers never claim the same delivery.</summary>
public sealed class PostgresWebhookStore(IConnectionFactory connections) : WebhookStore(connections)
{
    protected override string IgnoringRepeatedDelivery(string insert) => insert + " ON CONFLICT (endpoint_id, event_id) DO NOTHING";

    protected override string ClaimTargetSql =>
        "SELECT c.id FROM webhook_deliveries c WHERE c.id IN (SELECT id FROM picked) AND c.status = 'pending' " +
        "AND (c.lease_until IS NULL OR c.lease_until < @now) FOR UPDATE SKIP LOCKED";
}

/// <summary>Webhooks on SQLite: one writer at a time, so the picked rows are claimed as they are.</summary>
public sealed class SqliteWebhookStore(IConnectionFactory connections) : WebhookStore(connections)
{
    protected override string IgnoringRepeatedDelivery(string insert) => insert.Replace("INSERT INTO", "INSERT OR IGNORE INTO", StringComparison.Ordinal);

    protected override string ClaimTargetSql => "SELECT id FROM picked";
}
