using System.Diagnostics;
using System.Globalization;

namespace Payments.TestSupport;

/// <summary>Runs a short child command (a script, node, kill) with a hard deadline and captures what it printed.</summary>
public static class CommandRunner
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>
    /// Runs <paramref name="fileName"/> to its end; a command still running at <paramref name="timeout"/> is killed
    /// (with its children) and reported as a <see cref="TimeoutException"/>. A non-zero exit is returned, not thrown.
    /// </summary>
    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return await RunAsync(info, timeout, standardInput).ConfigureAwait(false);
    }

    /// <summary>
    /// As the other overload, for a command prepared elsewhere (e.g. <see cref="ServiceProcess.StartInfo"/>, which sets
    /// the service's environment); <paramref name="info"/> must redirect stdout and stderr, and stdin when
    /// <paramref name="standardInput"/> is given.
    /// </summary>
    public static async Task<Result> RunAsync(ProcessStartInfo info, TimeSpan timeout, string? standardInput = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(info)} did not finish within {timeout}");
        }

        return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>As <see cref="RunAsync"/>, but a non-zero exit throws with what the command printed; returns stdout.</summary>
    public static async Task<string> RunCheckedAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var list = arguments.ToList();
        var result = await RunAsync(fileName, list, timeout, workingDirectory).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', list)} exited with {result.ExitCode}: {result.StandardError}{result.StandardOutput}");
        }

        return result.StandardOutput;
    }

    /// <summary>Sends a signal (<c>TERM</c>, <c>STOP</c>, …) to a process, as <c>kill -SIGNAL pid</c> does.</summary>
    public static Task SignalAsync(int pid, string signal) =>
        RunCheckedAsync("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));

    private static string Describe(ProcessStartInfo info) => $"{info.FileName} {string.Join(' ', info.ArgumentList)}";
}
