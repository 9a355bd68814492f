using Payments.Preflight.Model;
using Payments.Preflight.Permissions;
using Payments.Preflight.Rules;

namespace Payments.Preflight.Engine;

/// <summary>What a rule sees while it checks one template, and where it reports.</summary>
internal sealed class RuleContext
{
    private readonly List<Finding> findings;

    private readonly Lazy<AccessModel> access;

    public RuleContext(Template template, EnvironmentInfo environment, DateOnly today, List<Finding> findings, Lazy<AccessModel> access)
    {
        this.access = access;
        Template = template;
        Environment = environment;
        Today = today;
        this.findings = findings;
        Resolve = new Resolver(template, useParameterDefaults: true);
        Literal = new Resolver(template, useParameterDefaults: false);
    }

    public Template Template { get; }

    public EnvironmentInfo Environment { get; }

    public DateOnly Today { get; }

    /// <summary>Resolves with parameter defaults.</summary>
    public Resolver Resolve { get; }

    /// <summary>Resolves only what is fixed in the template (parameters stay unknown).</summary>
    public Resolver Literal { get; }

    public RuleDescriptor? CurrentRule { get; set; }

    /// <summary>The permission model of the whole run (every template checked together), built on first use.</summary>
    public AccessModel Access => access.Value;

    /// <summary>This template's symbolic resolver within <see cref="Access"/>.</summary>
    public SymbolicResolver Symbols => Access.Resolver(Template);

    /// <summary>The calls the permission-flow rules evaluated on this template.</summary>
    public List<AccessCheck> AccessChecks { get; } = [];

    public void Report(Resource resource, string? propertyPath, Node? node, string message) =>
        Report(resource, propertyPath, node, message, CurrentRule!.Severity);

    /// <summary>A finding at a severity other than the rule's own (a rule whose failure is certain only in some cases).</summary>
    public void Report(Resource resource, string? propertyPath, Node? node, string message, Severity severity)
    {
        var path = propertyPath is null ? resource.BodyPath : $"{resource.BodyPath}/{propertyPath}";
        findings.Add(new Finding(CurrentRule!.Id, severity, Template.Path, resource.LogicalId, path, node?.Line ?? resource.Line, message));
    }

    public void ReportLine(int line, string message) => ReportTemplate(null, line, message);

    public void ReportTemplate(string? path, Node? node, string message) =>
        ReportTemplate(path, node, message, CurrentRule!.Severity);

    /// <summary>A finding about the template at <paramref name="line"/>, e.g. the line of a mapping's key rather than of its value.</summary>
    public void ReportTemplate(string? path, int line, string message) =>
        findings.Add(new Finding(CurrentRule!.Id, CurrentRule.Severity, Template.Path, null, path, line, message));

    public void ReportTemplate(string? path, Node? node, string message, Severity severity) =>
        findings.Add(new Finding(CurrentRule!.Id, severity, Template.Path, null, path, node?.Line, message));
}
