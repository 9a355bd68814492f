using System.Diagnostics;

namespace Payments.Verification;

internal enum CheckOutcome
{
    Passed,
    Failed,
    Skipped,
}

internal sealed record CheckResult(string Name, CheckOutcome Outcome, string Detail, TimeSpan Elapsed);

/// <summary>A check found the deployment wrong; the message says what was expected and what came back.</summary>
internal sealed class CheckFailedException(string message) : Exception(message);

/// <summary>
/// Runs named checks in order and prints one line per check (PASS, FAIL or SKIP with the reason). Any
/// exception fails the check; a check whose prerequisite failed is skipped, naming it. Exit code 0 only
/// when every check passed.
/// </summary>
internal sealed class CheckRunner(TextWriter output)
{
    private readonly List<CheckResult> results = [];

    public IReadOnlyList<CheckResult> Results => results;

    public int ExitCode => results.Count > 0 && results.All(r => r.Outcome == CheckOutcome.Passed) ? 0 : 1;

    /// <summary>Runs <paramref name="check"/> (its result is the detail line) unless a check in <paramref name="needs"/> did not pass.</summary>
    public async Task<bool> RunAsync(string name, Func<CancellationToken, Task<string>> check, CancellationToken cancellationToken, params string[] needs)
    {
        ArgumentNullException.ThrowIfNull(check);
        var missing = needs.Where(n => !results.Any(r => r.Name == n && r.Outcome == CheckOutcome.Passed)).ToList();
        if (missing.Count > 0)
        {
            Record(new CheckResult(name, CheckOutcome.Skipped, $"needs {string.Join(", ", missing)}", TimeSpan.Zero));
            return false;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            var detail = await check(cancellationToken);
            Record(new CheckResult(name, CheckOutcome.Passed, detail, clock.Elapsed));
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Record(new CheckResult(name, CheckOutcome.Failed, "cancelled", clock.Elapsed));
            throw;
        }
        catch (Exception error)
        {
            var detail = error is CheckFailedException ? error.Message : $"{error.GetType().Name}: {error.Message}";
            Record(new CheckResult(name, CheckOutcome.Failed, detail, clock.Elapsed));
            return false;
        }
    }

    public string Summary()
    {
        var failed = results.Where(r => r.Outcome == CheckOutcome.Failed).Select(r => r.Name).ToList();
        var line = $"{results.Count(r => r.Outcome == CheckOutcome.Passed)} passed, {failed.Count} failed, {results.Count(r => r.Outcome == CheckOutcome.Skipped)} skipped";
        return failed.Count == 0 ? line : $"{line} (failed: {string.Join(", ", failed)})";
    }

    private void Record(CheckResult result)
    {
        results.Add(result);
        var label = result.Outcome switch
        {
            CheckOutcome.Passed => "PASS",
            CheckOutcome.Failed => "FAIL",
            _ => "SKIP",
        };
        var elapsed = result.Outcome == CheckOutcome.Skipped ? "" : $" ({result.Elapsed.TotalSeconds:F1} s)";
        output.WriteLine($"{label} {result.Name,-22} {result.Detail}{elapsed}");
    }
}
