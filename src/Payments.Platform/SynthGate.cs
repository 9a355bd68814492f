using Payments.Preflight;

namespace Payments.Platform;

/// <summary>
/// Runs preflight over the cloud assembly right after synthesis, so a template that would fail at
/// deploy time fails <c>cdk synth</c> instead (with file:line messages), never a deployment.
/// </summary>
public static class SynthGate
{
    /// <summary>Set to <c>1</c> to skip the gate (e.g. to inspect a failing template).</summary>
    public const string SkipVariable = "PAYMENTS_SKIP_PREFLIGHT";

    /// <returns>0 when no error finding was reported, 1 otherwise.</returns>
    public static int Check(string assemblyDirectory, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var report = PreflightEngine.Check([assemblyDirectory]);
        foreach (var finding in report.Findings.Where(f => f.Severity != Severity.Info))
        {
            var where = finding.Line is { } line ? $"{finding.Template}:{line}" : finding.Template;
            log.WriteLine($"{where}: {finding.Severity.ToString().ToLowerInvariant()} {finding.RuleId} [{finding.Resource}] {finding.Message}");
        }
        var errors = report.Findings.Count(f => f.Severity == Severity.Error);
        log.WriteLine($"preflight: {report.Templates} template(s), {errors} error(s), {report.Findings.Count(f => f.Severity == Severity.Warning)} warning(s)");
        return report.HasErrors ? 1 : 0;
    }
}
