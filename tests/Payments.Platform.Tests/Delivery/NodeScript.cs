using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Payments.Platform.Tests.Delivery;

/// <summary>Runs one of the repository's Node scripts the way CodeBuild runs it, and captures the result.</summary>
internal static class NodeScript
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static string RepositoryRoot() => FindRepositoryRoot();

    // The source path is baked in at compile time, so builds with --artifacts-path outside the checkout still find it.
    private static string FindRepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PAYMENTS_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(Path.Combine(fromEnvironment, "Payments.slnx")))
        {
            return fromEnvironment;
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Payments.slnx")))
                {
                    return directory.FullName;
                }
            }
        }
        throw new InvalidOperationException("repository root (Payments.slnx) not found above the test binaries; set PAYMENTS_REPO_ROOT");
    }

    public static Task<Result> RunAsync(string script, IEnumerable<string> arguments, string? standardInput = null, IDictionary<string, string>? environment = null) =>
        RunProcessAsync("node", [Path.Combine(RepositoryRoot(), script), .. arguments], standardInput, environment);

    /// <summary>Any executable, from the repository root.</summary>
    public static async Task<Result> RunProcessAsync(string fileName, IEnumerable<string> arguments, string? standardInput = null, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepositoryRoot(),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }
}
