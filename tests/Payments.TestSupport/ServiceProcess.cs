using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Payments.TestSupport;

/// <summary>
/// The built service (<c>dotnet Payments.Api.dll</c>) as a real child process on a loopback port,
/// configured by environment variables only, the way the container runs it. Disposing kills it if it
/// still runs, and so does the end of the test host, so no test leaves a process behind.
/// </summary>
public sealed class ServiceProcess : IDisposable, IAsyncDisposable
{
    // Bounds memory under load tests; a failing test shows the tail.
    private const int OutputLinesKept = 5000;
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> watchers = [];
    private readonly EventHandler onHostExit;

    private ServiceProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        Port = baseAddress.Port;
        BaseAddress = baseAddress;
        // Generous: a fresh process's first requests (JIT, first writes) can take seconds on a busy machine; polls
        // through StatusAsync treat a timeout as "no answer yet".
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        onHostExit = (_, _) => Kill();
    }

    /// <summary>The service built next to the test binaries (a project reference to Payments.Api copies it there).</summary>
    public static string BuiltNextToTests => Path.Combine(AppContext.BaseDirectory, "Payments.Api.dll");

    public int Port { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>The operating-system process id.</summary>
    public int ProcessId => process.Id;

    /// <summary>Stdout lines (the JSON log in Production).</summary>
    public ConcurrentQueue<string> Stdout { get; } = new();

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Stdout and stderr interleaved, as far as kept.</summary>
    public string Output => string.Join('\n', output);

    /// <summary>The last <paramref name="lines"/> lines of <see cref="Output"/>, for failure messages.</summary>
    public string RecentOutput(int lines = 300) => string.Join('\n', output.TakeLast(lines));

    /// <summary>
    /// Starts <c>dotnet <see cref="BuiltNextToTests"/> --urls http://127.0.0.1:PORT <paramref name="arguments"/></c>
    /// in Production and returns at once; wait with <see cref="WaitUntilReadyAsync()"/>.
    /// </summary>
    public static ServiceProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        Start(BuiltNextToTests, workingDirectory, environment, arguments);

    /// <param name="host">The listening host: loopback by address unless a test needs the name (browsers treat <c>localhost</c> as a secure context).</param>
    public static ServiceProcess Start(
        string serviceDll, string workingDirectory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments, int? port = null, string host = "127.0.0.1")
    {
        ArgumentNullException.ThrowIfNull(environment);
        var address = new Uri($"http://{host}:{(port ?? FreePort.Next()).ToString(CultureInfo.InvariantCulture)}");
        var start = StartInfo(workingDirectory, ["--urls", address.GetLeftPart(UriPartial.Authority), .. arguments], serviceDll);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var service = new ServiceProcess(new Process { StartInfo = start, EnableRaisingEvents = true }, address);
        service.process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                service.Stdout.Enqueue(e.Data);
                Trim(service.Stdout);
            }

            service.Keep(e.Data);
        };
        service.process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        if (!service.process.Start())
        {
            throw new InvalidOperationException("could not start the service process");
        }

        AppDomain.CurrentDomain.ProcessExit += service.onHostExit;
        service.process.BeginOutputReadLine();
        service.process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Starts the service and waits until <c>/healthz/ready</c> answers 200; a service that never gets ready is killed.</summary>
    public static async Task<ServiceProcess> StartReadyAsync(
        string serviceDll, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan readyTimeout, int? port = null)
    {
        var service = Start(serviceDll, workingDirectory, environment, [], port);
        try
        {
            await service.WaitUntilReadyAsync(readyTimeout).ConfigureAwait(false);
        }
        catch
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return service;
    }

    /// <summary>
    /// <c>dotnet <paramref name="serviceDll"/> <paramref name="arguments"/></c> in <paramref name="workingDirectory"/>,
    /// in Production, with no OTLP endpoint inherited, stdout and stderr redirected.
    /// </summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> arguments, string? serviceDll = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(serviceDll ?? BuiltNextToTests);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return start;
    }

    /// <summary>The status of a GET, or null while the service does not answer (not listening yet, or a client timeout on a loaded machine).</summary>
    public async Task<HttpStatusCode?> StatusAsync(string path)
    {
        try
        {
            using var response = await Client.GetAsync(new Uri(path, UriKind.Relative)).ConfigureAwait(false);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!process.HasExited)
        {
            return null;
        }
    }

    public Task WaitUntilReadyAsync() => WaitUntilReadyAsync(DefaultWait);

    public Task WaitUntilReadyAsync(TimeSpan timeout) =>
        WaitForAsync(async () => await StatusAsync("/healthz/ready").ConfigureAwait(false) == HttpStatusCode.OK, timeout);

    public Task WaitForAsync(Func<Task<bool>> condition) => WaitForAsync(condition, DefaultWait);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with the service's output if the service exits first or the deadline passes.</summary>
    public async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the service exited with {process.ExitCode} before the condition held; its output:\n{RecentOutput()}");
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"condition not reached within {timeout}; service output:\n{RecentOutput()}");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>The first output line (already printed or still to come) that <paramref name="match"/> accepts.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (watchers)
        {
            watchers.Add((match, seen));
        }

        if (output.FirstOrDefault(match) is { } earlier)
        {
            seen.TrySetResult(earlier);
        }

        try
        {
            return await seen.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no matching output line within {timeout}; service output:\n{RecentOutput()}");
        }
    }

    /// <summary>SIGTERM: what ECS and Kubernetes send before they stop a task.</summary>
    public Task SendSigtermAsync() => CommandRunner.SignalAsync(process.Id, "TERM");

    /// <summary>SIGKILL: no shutdown code runs, exactly like an OOM kill or a host crash.</summary>
    public async Task KillHardAsync()
    {
        Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => process.WaitForExitAsync(cancellationToken);

    /// <summary>Waits for the exit; false if the process still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        AppDomain.CurrentDomain.ProcessExit -= onHostExit;
        Kill();
        try
        {
            process.WaitForExit(TimeSpan.FromSeconds(15));
        }
        catch (InvalidOperationException)
        {
            // Never started: nothing to wait for.
        }

        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        AppDomain.CurrentDomain.ProcessExit -= onHostExit;
        Kill();
        try
        {
            await WaitForExitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing left to stop.
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        Trim(output);
        lock (watchers)
        {
            foreach (var (match, seen) in watchers.Where(w => !w.Seen.Task.IsCompleted && w.Match(line)))
            {
                seen.TrySetResult(line);
            }
        }
    }

    private static void Trim(ConcurrentQueue<string> lines)
    {
        while (lines.Count > OutputLinesKept && lines.TryDequeue(out _))
        {
        }
    }
}
