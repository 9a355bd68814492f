using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Payments.Api.Hosting;
using Payments.Api.Http;
using Payments.Api.Observability;
using Payments.Api.Storage;
using Payments.Api.TransactionLog;
using Payments.Webhooks;

namespace Payments.Api.Webhooks;

/// <summary>
/// The worker's webhook loop (roles <c>worker</c> and <c>all</c>): fans new transaction-log rows out
/// into deliveries (one process at a time on PostgreSQL, under an advisory lock like the relay), then
/// claims due deliveries with a lease and sends them, each on its own task, so a slow receiver holds
/// only its own slots (<see cref="WebhookOptions.MaxConcurrentPerEndpoint"/>) and never the API.
/// Retry times, leases, giving up and disabling follow the injected <see cref="TimeProvider"/>; the
/// request timeout and the measured duration are wall-clock, as they are about the network.
/// </summary>
public sealed partial class WebhookDispatcher : DatabaseBackgroundService
{
    /// <summary>Session advisory-lock key of the fan-out ("whfanout" in ASCII); differs from the relay's and the migrations'.</summary>
    public const long PostgresFanOutLockId = 0x776866616E6F7574;

    private const int MaxErrorLength = 500;

    private readonly WebhookStore store;
    private readonly ITransactionLogStore logStore;
    private readonly TransactionLogExporter exporter;
    private readonly WebhookOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<WebhookDispatcher> logger;
    private readonly HttpClient http;
    private readonly ConcurrentDictionary<long, Task> inFlight = new();
    private readonly string owner = Ids.New("wkr_", 16);
    private CancellationToken stopping = CancellationToken.None;

    public WebhookDispatcher(
        IConnectionFactory connections,
        WebhookStore store,
        WebhookUrlPolicy policy,
        IOptions<WebhookOptions> options,
        PaymentsMetrics metrics,
        TimeProvider time,
        ILogger<WebhookDispatcher> logger)
        : base(logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.store = store;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        logStore = SqlTransactionLogStore.For(connections, "webhooks", PostgresFanOutLockId);
        exporter = new TransactionLogExporter(logStore, new WebhookFanOut(store, time), 500, metrics, logger, time, sinkKind: "webhooks", reportsBacklog: false);
        http = WebhookHttp.CreateClient(policy);
    }

    /// <summary>Fans out every row the log has after the fan-out's cursor; 0 when another process holds the fan-out lock.</summary>
    public async Task<int> FanOutAsync(CancellationToken cancellationToken)
    {
        await using var connection = await logStore.OpenAsync(cancellationToken);
        if (!await logStore.TryTakeRelayLockAsync(connection, cancellationToken))
        {
            return 0;
        }

        try
        {
            var total = 0;
            while (true)
            {
                var step = await exporter.ExportNextBatchAsync(connection, cancellationToken);
                total += step.Exported;
                if (!step.MoreAvailable || step.Exported == 0)
                {
                    return total;
                }
            }
        }
        finally
        {
            await logStore.ReleaseRelayLockAsync(connection);
        }
    }

    /// <summary>Claims due deliveries up to this process's free slots and starts sending them; the tasks end when each attempt is recorded.</summary>
    public async Task<IReadOnlyList<Task>> StartDueDeliveriesAsync(CancellationToken cancellationToken)
    {
        var free = options.MaxConcurrentDeliveries - inFlight.Count;
        if (free <= 0)
        {
            return [];
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var claimed = await store.ClaimAsync(now, now + options.LeaseSeconds * 1000L, owner, free, options.MaxConcurrentPerEndpoint, cancellationToken);
        var started = new List<Task>(claimed.Count);
        foreach (var delivery in claimed)
        {
            var task = SendAndRecordAsync(delivery);
            inFlight[delivery.Id] = task;
            _ = task.ContinueWith(_ => inFlight.TryRemove(delivery.Id, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            started.Add(task);
        }

        return started;
    }

    /// <summary>One round: fan out, then send what is due and wait for those attempts to be recorded. Returns the attempts made.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await FanOutAsync(cancellationToken);
        var started = await StartDueDeliveriesAsync(cancellationToken);
        await Task.WhenAll(started);
        return started.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        stopping = stoppingToken;
        await Task.Yield();
        LogStarting(logger, logStore.Name, owner);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var fannedOut = await FanOutAsync(stoppingToken);
                var started = await StartDueDeliveriesAsync(stoppingToken);
                failures = 0;
                if (fannedOut == 0 && started.Count == 0)
                {
                    // Wake at the poll interval, or sooner when a slot frees up.
                    var delay = Task.Delay(TimeSpan.FromMilliseconds(options.PollIntervalMs), time, stoppingToken);
                    await Task.WhenAny([delay, .. inFlight.Values]);
                    stoppingToken.ThrowIfCancellationRequested();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                failures++;
                var backoff = TimeSpan.FromMilliseconds(Math.Min(30_000, options.PollIntervalMs * Math.Pow(2, Math.Min(failures, 10))));
                LogLoopFailure(logger, exception, failures, backoff.TotalSeconds);
                try
                {
                    await Task.Delay(backoff, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        // Sends in progress were cancelled with the token: their leases are released so another worker takes them at once.
        await Task.WhenAll(inFlight.Values);
        LogStopped(logger);
    }

    public override void Dispose()
    {
        http.Dispose();
        base.Dispose();
    }

    private async Task SendAndRecordAsync(ClaimedDelivery delivery)
    {
        await Task.Yield();
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        var stopwatch = Stopwatch.StartNew();
        DeliveryOutcome outcome;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(delivery.Url)) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.CreateHeader(body, delivery.Secret, time.GetUtcNow()));
                request.Headers.TryAddWithoutValidation(WebhookSignature.EventIdHeaderName, delivery.EventId);
                request.Headers.UserAgent.ParseAdd("Payments-Webhooks/1");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                var status = (int)response.StatusCode;
                outcome = new DeliveryOutcome(status, stopwatch.ElapsedMilliseconds, status is >= 200 and < 300 ? null : $"HTTP {status} {response.ReasonPhrase}".TrimEnd());
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                await ReleaseQuietlyAsync(delivery);
                return;
            }
            catch (OperationCanceledException)
            {
                outcome = new DeliveryOutcome(null, stopwatch.ElapsedMilliseconds, $"no response within {options.RequestTimeoutSeconds} s");
            }
            catch (HttpRequestException exception)
            {
                outcome = new DeliveryOutcome(null, stopwatch.ElapsedMilliseconds, Describe(exception));
            }
        }

        try
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var giveUp = !outcome.Succeeded && now - delivery.CreatedAtMs >= options.GiveUpAfterHours * 3_600_000L;
            var retryAt = now + (long)WebhookBackoff.Delay(options, delivery.Attempts + 1, Random.Shared).TotalMilliseconds;
            var disabled = await store.CompleteAsync(delivery, owner, outcome, now, retryAt, giveUp,
                (failures, failingSince) => failures >= options.DisableAfterConsecutiveFailures && now - failingSince >= options.DisableAfterFailingHours * 3_600_000L,
                CancellationToken.None);
            if (giveUp)
            {
                LogGaveUp(logger, delivery.EventId, delivery.EndpointId, delivery.Attempts + 1);
            }

            if (disabled)
            {
                LogDisabled(logger, delivery.EndpointId, options.DisableAfterConsecutiveFailures, options.DisableAfterFailingHours);
            }
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            // The lease runs out and the delivery is sent again (same event id): at least once.
            LogRecordFailed(logger, exception, delivery.EventId, delivery.EndpointId);
        }
    }

    private async Task ReleaseQuietlyAsync(ClaimedDelivery delivery)
    {
        try
        {
            await store.ReleaseLeaseAsync(delivery.Id, owner, CancellationToken.None);
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            LogRecordFailed(logger, exception, delivery.EventId, delivery.EndpointId);
        }
    }

    private static string Describe(HttpRequestException exception)
    {
        var message = exception.InnerException switch
        {
            WebhookAddressRefusedException refused => refused.Message,
            SocketException socket => $"connection failed: {socket.SocketErrorCode}",
            { } inner => $"{exception.Message} ({inner.Message})",
            null => exception.Message,
        };
        return message.Length <= MaxErrorLength ? message : message[..MaxErrorLength];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery starting ({Store}, worker {Owner})")]
    private static partial void LogStarting(ILogger logger, string store, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook loop failed ({Failures} in a row); retrying in {BackoffSeconds} s")]
    private static partial void LogLoopFailure(ILogger logger, Exception exception, int failures, double backoffSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up delivering {EventId} to {EndpointId} after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string eventId, string endpointId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disabled webhook endpoint {EndpointId}: {Failures}+ failed attempts in a row over {Hours}+ hours")]
    private static partial void LogDisabled(ILogger logger, string endpointId, int failures, int hours);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the attempt of {EventId} to {EndpointId}; it is sent again when its lease ends")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string eventId, string endpointId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery stopped")]
    private static partial void LogStopped(ILogger logger);
}
