using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Payments.Api.Hosting;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// The built service as a real process, stopped by a real SIGTERM: the relay exports what the API
/// wrote, readiness turns 503 while the process still answers, and it exits 0 within the contract.
/// </summary>
public sealed class ServiceProcessTests : IDisposable
{
    private const string CardNumber = "4242424242424242";
    private readonly string scratch = Path.Combine(Path.GetTempPath(), "apiops-process-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task Sigterm_drains_then_exits_zero_and_the_relay_has_exported_the_api_events()
    {
        Directory.CreateDirectory(scratch);
        var port = FreeLoopbackPort();
        var apiKey = "sk_test_ops_" + Guid.NewGuid().ToString("N");
        var logDirectory = Path.Combine(scratch, "transaction-log");
        var output = new StringBuilder();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = scratch,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Payments.Api.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Payments__Store"] = "Sqlite";
        start.Environment["ConnectionStrings__Payments"] = $"Data Source={Path.Combine(scratch, "payments.db")}";
        start.Environment["Payments__Merchants__0__Id"] = "mer_ops";
        start.Environment["Payments__Merchants__0__ApiKey"] = apiKey;
        start.Environment["Payments__TransactionLog__Directory"] = logDirectory;
        start.Environment["Payments__TransactionLog__PollIntervalMs"] = "100";
        start.Environment["Payments__Shutdown__DrainDelaySeconds"] = "4";
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the service");
        var stdout = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                stdout.Enqueue(e.Data);
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            await WaitForAsync(async () => (await TryGetStatusAsync(client, "/healthz/ready")) == HttpStatusCode.OK, process, output);

            using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/payments")
            {
                Content = new StringContent(
                    "{\"amount\": 1999, \"currency\": \"usd\", \"capture\": true, \"payment_method\": {\"card\": {\"number\": \"" + CardNumber +
                    "\", \"exp_month\": 12, \"exp_year\": " + (DateTime.UtcNow.Year + 3) + ", \"cvc\": \"123\"}}}",
                    Encoding.UTF8,
                    "application/json"),
            };
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            using var created = await client.SendAsync(create);
            var body = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, body);
            var paymentId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;

            await WaitForAsync(() => Task.FromResult(ExportedObjectIds(logDirectory).Contains(paymentId)), process, output);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync();
            }

            var sigterm = Stopwatch.StartNew();
            await WaitForAsync(async () => (await TryGetStatusAsync(client, "/healthz/ready")) == HttpStatusCode.ServiceUnavailable, process, output);
            Assert.True(sigterm.Elapsed < TimeSpan.FromSeconds(4), $"readiness turned 503 only after {sigterm.Elapsed}");
            Assert.Equal(HttpStatusCode.OK, await TryGetStatusAsync(client, "/healthz/live"));

            using var exitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(ServiceContract.ShutdownTimeoutSeconds + 5));
            await process.WaitForExitAsync(exitTimeout.Token);
            Assert.True(sigterm.Elapsed >= TimeSpan.FromSeconds(3.5), $"exited after {sigterm.Elapsed}, before the 4 s drain delay");
            Assert.Equal(0, process.ExitCode);

            string log;
            lock (output)
            {
                log = output.ToString();
            }

            Assert.Contains("Transaction-log relay stopped", log, StringComparison.Ordinal);

            // Structured logs: every stdout line is one JSON object with a level and a message.
            Assert.NotEmpty(stdout);
            foreach (var line in stdout.Where(l => l.Length > 0))
            {
                using var entry = JsonDocument.Parse(line);
                Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), line);
                Assert.True(entry.RootElement.TryGetProperty("Message", out _), line);
            }

            Assert.DoesNotContain(CardNumber, log, StringComparison.Ordinal);
            foreach (var file in Directory.GetFiles(logDirectory))
            {
                Assert.DoesNotContain(CardNumber, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
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

    private static async Task<HttpStatusCode?> TryGetStatusAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, Process process, StringBuilder output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                lock (output)
                {
                    Assert.Fail($"condition not reached (exited: {process.HasExited}); service output:\n{output}");
                }
            }

            await Task.Delay(50);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
