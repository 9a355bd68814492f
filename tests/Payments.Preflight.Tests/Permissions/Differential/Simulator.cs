using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.Preflight.Tests.Permissions.Differential;

/// <summary>
/// Runs cases through @cloud-copilot/iam-simulate (installed by `npm ci` from the repository's lock file) in one
/// Node process, so that thousands of cases cost one start-up.
/// </summary>
internal static class Simulator
{
    public static IReadOnlyDictionary<int, (string Result, string? Error)> Run(IReadOnlyList<DifferentialCase> cases)
    {
        var root = RepositoryRoot();
        var module = Path.Combine(root, "node_modules", "@cloud-copilot", "iam-simulate", "package.json");
        if (!File.Exists(module))
        {
            throw new InvalidOperationException($"{module} is missing: run `npm ci` in {root} (the test command does)");
        }

        var directory = Directory.CreateTempSubdirectory("preflight-differential-");
        try
        {
            var casesPath = Path.Combine(directory.FullName, "cases.json");
            var answersPath = Path.Combine(directory.FullName, "answers.json");
            File.WriteAllText(casesPath, new JsonArray([.. cases.Select(c => (JsonNode)c.ToSimulatorJson())]).ToJsonString());

            var start = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = root,
            };
            start.ArgumentList.Add(Path.Combine(root, "tests", "Payments.Preflight.Tests", "Permissions", "Differential", "simulate.mjs"));
            start.ArgumentList.Add(casesPath);
            start.ArgumentList.Add(answersPath);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("the simulator did not finish in 3 minutes");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"node simulate.mjs exited {process.ExitCode}:\n{output.Result}\n{error.Result}");
            }

            using var answers = JsonDocument.Parse(File.ReadAllBytes(answersPath));
            return answers.RootElement.EnumerateArray().ToDictionary(
                answer => answer.GetProperty("id").GetInt32(),
                answer => (answer.GetProperty("result").GetString()!, answer.TryGetProperty("error", out var e) ? e.GetString() : null));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    public static string RepositoryRoot([CallerFilePath] string path = "")
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PAYMENTS_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(Path.Combine(fromEnvironment, "Payments.slnx")))
        {
            return fromEnvironment;
        }

        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "..", ".."));
    }
}
