using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Payments.Api.Hosting;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// The image's promise without a Docker daemon: the built service runs as a non-root user with the
/// whole root filesystem read-only, a fresh tmpfs on <c>/tmp</c> and one writable data directory
/// (what <c>docker run --read-only --user app -v data:/data --tmpfs /tmp</c> gives it), in a private
/// mount namespace (<c>unshare -m</c>, as root or through passwordless <c>sudo</c>). It serves, writes only to the data
/// directory, and stops cleanly on SIGTERM.
/// </summary>
public sealed class ReadOnlyRootTests : IDisposable
{
    private const string ApiKey = "sk_test_read_only_root_0123456789";
    private readonly ScratchDirectory scratch = new("ro-root-");

    public ReadOnlyRootTests() => Directory.CreateDirectory(Path.Combine(scratch.Path, "data"));

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task Serves_and_stops_as_nobody_with_a_read_only_root_and_only_tmp_and_data_writable()
    {
        var port = FreePort.Next();
        var script = Path.Combine(scratch.Path, "run.sh");
        // /opt and /mnt are covered only inside the private namespace: the app (read-only) and the data volume.
        await File.WriteAllTextAsync(script, $"""
            set -e
            chmod 777 '{Path.Combine(scratch.Path, "data")}'
            mount --make-rprivate /
            mount --bind '{AppContext.BaseDirectory}' /opt
            mount --bind '{Path.Combine(scratch.Path, "data")}' /mnt
            mount -o remount,bind,ro /
            mount -o remount,bind,ro /opt
            mount -t tmpfs -o mode=1777 tmpfs /tmp
            if touch /read-only-probe 2>/dev/null; then echo 'root filesystem is writable' >&2; exit 97; fi
            cd /opt
            exec setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH="$PATH" HOME=/nonexistent \
              ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_HTTP_PORTS={port} DOTNET_NOLOGO=1 \
              'ConnectionStrings__Payments=Data Source=/mnt/payments.db' Payments__TransactionLog__Directory=/mnt/transaction-log \
              Payments__Merchants__0__Id=acct_read_only Payments__Merchants__0__ApiKey={ApiKey} \
              Payments__CardFingerprintKey=read-only-root-fingerprint-key \
              Payments__Shutdown__DrainDelaySeconds=0 Payments__TransactionLog__PollIntervalMs=100 \
              dotnet /opt/Payments.Api.dll
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        // A private mount namespace needs root: as root (this machine, CodeBuild) run unshare directly,
        // otherwise (a GitHub-hosted runner) through passwordless sudo; without either the test fails
        // with sudo's own message rather than being skipped.
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "unshare" : "sudo") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in asRoot ? new[] { "-m", "sh", script } : ["-n", "unshare", "-m", "sh", script])
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot run unshare");
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Generous: a timed-out readiness poll fails the test (only refusals mean "not yet"), and a fresh process's first
        // requests can take seconds on a busy machine.
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(40);
            while (!await IsReadyAsync(client))
            {
                Assert.False(process.HasExited || DateTime.UtcNow > deadline, $"not ready (exited: {process.HasExited}):\n{Text(output)}");
                await Task.Delay(100);
            }

            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            using var body = new StringContent(Infrastructure.ApiTestBase.PaymentBody(4321), Encoding.UTF8, "application/json");
            using var created = await client.PostAsync(new Uri("/v1/payments", UriKind.Relative), body);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var exported = Path.Combine(scratch.Path, "data", "transaction-log");
            while (!Directory.Exists(exported) || Directory.GetFiles(exported, "*.jsonl").Length == 0)
            {
                Assert.False(process.HasExited || DateTime.UtcNow > deadline, $"nothing exported:\n{Text(output)}");
                await Task.Delay(100);
            }

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync();
            }

            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(ServiceContract.ShutdownTimeoutSeconds + 5));
            await process.WaitForExitAsync(exit.Token);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}:\n{Text(output)}");
            var log = Text(output);
            Assert.Contains("Transaction-log relay stopped", log, StringComparison.Ordinal);
            Assert.DoesNotContain("\"LogLevel\":\"Error\"", log, StringComparison.Ordinal);
            Assert.DoesNotContain("\"LogLevel\":\"Warning\"", log, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(scratch.Path, "data", "payments.db")));
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

    private static async Task<bool> IsReadyAsync(HttpClient client)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(ServiceContract.ReadinessPath, UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
