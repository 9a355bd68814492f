using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Payments.Api.Hosting;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// The built service as real processes, stopped by a real SIGTERM: the relay exports what the API
/// wrote, readiness turns 503 while the process still answers, and it exits 0 within the contract;
/// the platform's split into an <c>api</c> and a <c>worker</c> service works on PostgreSQL.
/// </summary>
public sealed class ServiceProcessTests : IDisposable
{
    private const string CardNumber = "4242424242424242";
    private readonly ScratchDirectory scratch = new("apiops-process-");
    private readonly string apiKey = "sk_test_ops_" + Guid.NewGuid().ToString("N");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task Sigterm_drains_then_exits_zero_and_the_relay_has_exported_the_api_events()
    {
        var logDirectory = Path.Combine(scratch.Path, "transaction-log");
        using var service = ServiceProcess.Start(scratch.Path, Settings(
            ("Payments__Store", "Sqlite"),
            ("ConnectionStrings__Payments", $"Data Source={Path.Combine(scratch.Path, "payments.db")}"),
            ("Payments__TransactionLog__Directory", logDirectory),
            ("Payments__Shutdown__DrainDelaySeconds", "4")));
        await service.WaitUntilReadyAsync();

        var paymentId = await CreatePaymentAsync(service.Client);
        await service.WaitForAsync(() => Task.FromResult(ExportedObjectIds(logDirectory).Contains(paymentId)));

        // Two clocks: the upper bound starts after the signal went out, the lower bound before it (the service can begin
        // its drain delay while this process is still reaping the kill command).
        var beforeSigterm = Stopwatch.StartNew();
        await service.SendSigtermAsync();
        var sigterm = Stopwatch.StartNew();
        await service.WaitForAsync(async () => await service.StatusAsync("/healthz/ready") == HttpStatusCode.ServiceUnavailable);
        Assert.True(sigterm.Elapsed < TimeSpan.FromSeconds(4), $"readiness turned 503 only after {sigterm.Elapsed}");
        Assert.Equal(HttpStatusCode.OK, await service.StatusAsync("/healthz/live"));

        using var exitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(ServiceContract.ShutdownTimeoutSeconds + 5));
        await service.WaitForExitAsync(exitTimeout.Token);
        Assert.True(beforeSigterm.Elapsed >= TimeSpan.FromSeconds(3.5), $"exited after {beforeSigterm.Elapsed}, before the 4 s drain delay");
        Assert.Equal(0, service.ExitCode);

        var log = service.Output;
        Assert.Contains("Transaction-log relay stopped", log, StringComparison.Ordinal);
        Assert.DoesNotContain(CardNumber, log, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(logDirectory))
        {
            Assert.DoesNotContain(CardNumber, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }

        // Structured logs: every stdout line is one JSON object with a level and a message.
        Assert.NotEmpty(service.Stdout);
        foreach (var line in service.Stdout.Where(l => l.Length > 0))
        {
            using var entry = JsonDocument.Parse(line);
            Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), line);
            Assert.True(entry.RootElement.TryGetProperty("Message", out _), line);
        }
    }

    [Fact]
    public async Task The_service_watches_no_files_so_writes_under_its_working_directory_never_wake_it()
    {
        // SQLite under ./data of the working directory, as locally: with configuration reload-on-change
        // the host would hold an inotify watch on every directory below the content root and receive
        // an event for every database and WAL write.
        Directory.CreateDirectory(Path.Combine(scratch.Path, "data", "nested"));
        using var service = ServiceProcess.Start(scratch.Path, Settings(
            ("Payments__Store", "Sqlite"),
            ("ConnectionStrings__Payments", $"Data Source={Path.Combine(scratch.Path, "data", "payments.db")}"),
            ("Payments__TransactionLog__Directory", Path.Combine(scratch.Path, "transaction-log"))));
        await service.WaitUntilReadyAsync();
        await CreatePaymentAsync(service.Client);

        var watches = Directory.GetFiles($"/proc/{service.ProcessId}/fdinfo")
            .Sum(path =>
            {
                try
                {
                    return File.ReadLines(path).Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal));
                }
                catch (IOException)
                {
                    return 0; // the descriptor was closed between listing and reading
                }
            });
        Assert.Equal(0, watches);
    }

    [Fact]
    public async Task Postgres_the_api_role_only_serves_and_the_worker_role_exports_and_stops_at_once()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        try
        {
            var apiDirectory = Path.Combine(scratch.Path, "api-transaction-log");
            var workerDirectory = Path.Combine(scratch.Path, "worker-transaction-log");
            using var api = ServiceProcess.Start(scratch.Path, Settings(
                ("Payments__Store", "Postgres"),
                ("ConnectionStrings__Payments", connectionString),
                ("Payments__TransactionLog__Directory", apiDirectory),
                ("Payments__Shutdown__DrainDelaySeconds", "0")), "--role", "api");
            await api.WaitUntilReadyAsync();
            using var worker = ServiceProcess.Start(scratch.Path, Settings(
                ("Payments__Store", "Postgres"),
                ("ConnectionStrings__Payments", connectionString),
                ("Payments__TransactionLog__Directory", workerDirectory)), "--role", "worker");
            await worker.WaitUntilReadyAsync();

            var payments = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                payments.Add(await CreatePaymentAsync(api.Client));
            }

            await worker.WaitForAsync(() => Task.FromResult(payments.All(ExportedObjectIds(workerDirectory).Contains)));
            Assert.False(Directory.Exists(apiDirectory) && Directory.EnumerateFiles(apiDirectory).Any(), "the api role must not run the relay");
            Assert.Equal(HttpStatusCode.NotFound, await worker.StatusAsync("/v1/balance"));

            await worker.SendSigtermAsync();
            var stopping = Stopwatch.StartNew();
            using var exitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(ServiceContract.ShutdownTimeoutSeconds + 5));
            await worker.WaitForExitAsync(exitTimeout.Token);
            Assert.Equal(0, worker.ExitCode);
            // No drain delay is read from the worker's own log line; the time bound only says nothing waited for the
            // 20 s shutdown timeout (a 5 s bound equal to the default drain could fail on a busy machine).
            Assert.Contains("still serving for 0 s", worker.Output, StringComparison.Ordinal);
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"the worker took {stopping.Elapsed} to stop");
            Assert.Contains("Transaction-log relay stopped", worker.Output, StringComparison.Ordinal);

            await api.SendSigtermAsync();
            await api.WaitForExitAsync(exitTimeout.Token);
            Assert.Equal(0, api.ExitCode);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(connectionString);
        }
    }

    private Dictionary<string, string> Settings(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string>
        {
            ["Payments__Merchants__0__Id"] = "mer_ops",
            ["Payments__Merchants__0__ApiKey"] = apiKey,
            ["Payments__TransactionLog__PollIntervalMs"] = "100",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return all;
    }

    private async Task<string> CreatePaymentAsync(HttpClient client)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/payments")
        {
            Content = new StringContent(ApiTestBase.PaymentBody(number: CardNumber), Encoding.UTF8, "application/json"),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var created = await client.SendAsync(create);
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static HashSet<string> ExportedObjectIds(string directory)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(directory))
        {
            return ids;
        }

        foreach (var file in Directory.GetFiles(directory, "*.jsonl"))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                using var document = JsonDocument.Parse(line);
                ids.Add(document.RootElement.GetProperty("object_id").GetString()!);
            }
        }

        return ids;
    }
}
