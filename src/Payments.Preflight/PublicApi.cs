namespace Payments.Preflight;

public enum Severity
{
    Error,
    Warning,
    Info,
}

/// <summary>One problem found in one template. Line is 1-based where known.</summary>
public sealed record Finding(string RuleId, Severity Severity, string Template, string? Resource, string? Path, int? Line, string Message);

/// <summary>One call a permission-flow rule asked the model about, with the answer: Allowed, Refused or Unknown.</summary>
public sealed record AccessCheck(string RuleId, string Template, string Caller, string Action, string Resource, string Answer, string Reason);

public sealed class PreflightReport
{
    public PreflightReport(IReadOnlyList<Finding> findings, int templates, IReadOnlyList<AccessCheck>? accessChecks = null)
    {
        Findings = findings;
        Templates = templates;
        AccessChecks = accessChecks ?? [];
    }

    /// <summary>Every call the permission-flow rules evaluated (for `preflight access` and the docs' unknown counts).</summary>
    public IReadOnlyList<AccessCheck> AccessChecks { get; }

    public IReadOnlyList<Finding> Findings { get; }

    public int Templates { get; }

    public bool HasErrors => Findings.Any(f => f.Severity == Severity.Error);

    /// <summary>The report as the CLI's text output (findings with file:line, the must-exist checklist, a summary).</summary>
    public override string ToString() => Output.ReportWriter.Text(this);
}

public sealed class PreflightOptions
{
    /// <summary>Environment name (e.g. dev, prod); overrides what is detected from stack tags and names.</summary>
    public string? Environment { get; init; }

    /// <summary>Only rules whose ID starts with one of these prefixes run (empty: all).</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Rules whose ID starts with one of these prefixes are skipped.</summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];

    /// <summary>The date the lifecycle data is compared with; defaults to today (UTC).</summary>
    public DateOnly? Today { get; init; }
}
