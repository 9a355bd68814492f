using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// The built service (<c>Payments.Api.dll</c> next to the tests) as a real child process, configured
/// by environment variables only, on a free loopback port. Disposing kills it if it still runs.
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServiceProcess(Process process, int port)
    {
        this.process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public int Port { get; }

    /// <summary>The operating-system process id.</summary>
    public int ProcessId => process.Id;

    public HttpClient Client { get; }

    /// <summary>Stdout lines (the JSON log).</summary>
    public ConcurrentQueue<string> Stdout { get; } = new();

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static ServiceProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var port = FreeLoopbackPort();
        var start = StartInfo(workingDirectory, ["--urls", $"http://127.0.0.1:{port}", .. arguments]);
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var service = new ServiceProcess(Process.Start(start) ?? throw new InvalidOperationException("cannot start the service"), port);
        service.process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                service.Stdout.Enqueue(e.Data);
            }

            service.Append(e.Data);
        };
        service.process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        service.process.BeginOutputReadLine();
        service.process.BeginErrorReadLine();
        return service;
    }

    /// <summary>
    /// <c>dotnet Payments.Api.dll <paramref name="arguments"/></c> in <paramref name="workingDirectory"/>,
    /// in Production, with stdout and stderr redirected.
    /// </summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Payments.Api.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return start;
    }

    public async Task<HttpStatusCode?> StatusAsync(string path)
    {
        try
        {
            using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!process.HasExited)
        {
            // The client's 5 s timeout on a loaded machine (CI shares 2 cores): not an answer yet;
            // WaitForAsync keeps polling until its own deadline.
            return null;
        }
    }

    public Task WaitUntilReadyAsync() => WaitForAsync(async () => await StatusAsync("/healthz/ready") == HttpStatusCode.OK);

    /// <summary>Polls <paramref name="condition"/> for up to 30 s; fails with the service's output if it exits first.</summary>
    public async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"condition not reached (exited: {process.HasExited}); service output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGTERM, as ECS and Kubernetes do to stop a container.</summary>
    public async Task SigtermAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("cannot run kill");
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => process.WaitForExitAsync(cancellationToken);

    public void Dispose()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    /// <summary>A loopback TCP port nobody listens on right now.</summary>
    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
