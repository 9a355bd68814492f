using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.Preflight.Tests.Permissions.Differential;

/// <summary>
/// Runs cases through @cloud-copilot/iam-simulate (installed by `npm ci` from the repository's lock file), in a
/// few Node processes that each take a share of the cases.
/// </summary>
internal static class Simulator
{
    public static IReadOnlyDictionary<int, (string Result, string? Error)> Run(IReadOnlyList<DifferentialCase> cases)
    {
        var root = Repository.Root;
        var module = Path.Combine(root, "node_modules", "@cloud-copilot", "iam-simulate", "package.json");
        if (!File.Exists(module))
        {
            throw new InvalidOperationException($"{module} is missing: run `npm ci` in {root} (the test command does)");
        }

        // One Node process per core: the simulator is single-threaded and each process pays its start-up once.
        var workers = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var chunks = cases.Select((c, i) => (c, i)).GroupBy(p => p.i % workers, p => p.c).ToList();
        var directory = Directory.CreateTempSubdirectory("preflight-differential-");
        try
        {
            var runs = chunks.Select(chunk => Task.Run(() => RunOne(root, directory.FullName, chunk.Key, [.. chunk]))).ToArray();
            Task.WaitAll(runs);
            return runs.SelectMany(run => run.Result).ToDictionary(answer => answer.Key, answer => answer.Value);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Dictionary<int, (string Result, string? Error)> RunOne(string root, string directory, int worker, IReadOnlyList<DifferentialCase> cases)
    {
        var casesPath = Path.Combine(directory, $"cases-{worker}.json");
        var answersPath = Path.Combine(directory, $"answers-{worker}.json");
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
        var result = answers.RootElement.EnumerateArray().ToDictionary(
            answer => answer.GetProperty("id").GetInt32(),
            answer => (answer.GetProperty("result").GetString()!, answer.TryGetProperty("error", out var e) ? e.GetString() : null));
        if (result.Count != cases.Count)
        {
            throw new InvalidOperationException($"the simulator answered {result.Count} of {cases.Count} cases");
        }

        return result;
    }
}
