using System.Text;
using System.Text.Json;
using Payments.Preflight.Rules;

namespace Payments.Preflight.Output;

internal enum OutputFormat { Text, Json, Sarif }

/// <summary>Writes a report as text (cfn-lint-like), JSON (the schema) or SARIF 2.1.0.</summary>
internal static class ReportWriter
{
    public static string Write(PreflightReport report, OutputFormat format) => format switch
    {
        OutputFormat.Json => Json(report),
        OutputFormat.Sarif => Sarif(report),
        _ => Text(report),
    };

    public static string SeverityName(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "info",
    };

    public static string Text(PreflightReport report)
    {
        var builder = new StringBuilder();
        var titles = RuleCatalog.AllDescriptors.ToDictionary(d => d.Id, d => d.Title, StringComparer.Ordinal);
        foreach (var finding in report.Findings.Where(f => f.RuleId != RuleIds.MustExistFirst))
        {
            builder.Append(Location(finding)).Append(": ").Append(SeverityName(finding.Severity)).Append(' ').Append(finding.RuleId)
                .Append(' ').Append(titles.GetValueOrDefault(finding.RuleId, string.Empty));
            if (finding.Resource is not null)
            {
                builder.Append(" [").Append(finding.Resource).Append(']');
            }

            builder.AppendLine().Append("  ").AppendLine(finding.Message);
        }

        // One checklist: each thing that must exist is listed once, with every place that needs it.
        var mustExist = report.Findings.Where(f => f.RuleId == RuleIds.MustExistFirst).GroupBy(f => f.Message, StringComparer.Ordinal).ToList();
        if (mustExist.Count > 0)
        {
            builder.AppendLine().AppendLine($"Must exist before deploy ({mustExist.Count}, {RuleIds.MustExistFirst} warnings):");
            foreach (var item in mustExist)
            {
                builder.Append("  - ").AppendLine(item.Key);
                foreach (var finding in item)
                {
                    builder.Append("      ").Append(Location(finding)).AppendLine(finding.Resource is null ? string.Empty : $" [{finding.Resource}]");
                }
            }
        }

        var errors = report.Findings.Count(f => f.Severity == Severity.Error);
        var warnings = report.Findings.Count(f => f.Severity == Severity.Warning);
        var infos = report.Findings.Count(f => f.Severity == Severity.Info);
        builder.AppendLine().AppendLine($"preflight: {report.Templates} template(s), {errors} error(s), {warnings} warning(s), {infos} info");
        return builder.ToString();
    }

    private static string Location(Finding finding) => finding.Line is { } line ? $"{finding.Template}:{line}" : finding.Template;

    public static string Json(PreflightReport report)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("findings");
            foreach (var finding in report.Findings)
            {
                writer.WriteStartObject();
                writer.WriteString("ruleId", finding.RuleId);
                writer.WriteString("severity", SeverityName(finding.Severity));
                writer.WriteString("template", finding.Template);
                WriteNullable(writer, "resource", finding.Resource);
                WriteNullable(writer, "path", finding.Path);
                if (finding.Line is { } line)
                {
                    writer.WriteNumber("line", line);
                }
                else
                {
                    writer.WriteNull("line");
                }

                writer.WriteString("message", finding.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("templates", report.Templates);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    public static string Sarif(PreflightReport report)
    {
        var descriptors = RuleCatalog.AllDescriptors.ToList();
        var ruleIndex = descriptors.Select((d, i) => (d.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            writer.WriteString("version", "2.1.0");
            writer.WriteStartArray("runs");
            writer.WriteStartObject();
            writer.WriteStartObject("tool");
            writer.WriteStartObject("driver");
            writer.WriteString("name", "preflight");
            writer.WriteString("semanticVersion", typeof(ReportWriter).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");
            writer.WriteString("informationUri", "https://github.com/payments/payments/blob/main/docs/preflight.md");
            writer.WriteStartArray("rules");
            foreach (var descriptor in descriptors)
            {
                writer.WriteStartObject();
                writer.WriteString("id", descriptor.Id);
                writer.WriteString("name", SarifRuleName(descriptor.Title));
                writer.WriteStartObject("shortDescription");
                writer.WriteString("text", descriptor.Title);
                writer.WriteEndObject();
                writer.WriteStartObject("fullDescription");
                writer.WriteString("text", descriptor.Description);
                writer.WriteEndObject();
                writer.WriteStartObject("help");
                writer.WriteString("text", descriptor.Fix);
                writer.WriteEndObject();
                writer.WriteString("helpUri", descriptor.HelpUri);
                writer.WriteStartObject("defaultConfiguration");
                writer.WriteString("level", SarifLevel(descriptor.Severity));
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartArray("results");
            foreach (var finding in report.Findings)
            {
                writer.WriteStartObject();
                writer.WriteString("ruleId", finding.RuleId);
                if (ruleIndex.TryGetValue(finding.RuleId, out var index))
                {
                    writer.WriteNumber("ruleIndex", index);
                }

                writer.WriteString("level", SarifLevel(finding.Severity));
                writer.WriteStartObject("message");
                writer.WriteString("text", finding.Message);
                writer.WriteEndObject();
                writer.WriteStartArray("locations");
                writer.WriteStartObject();
                writer.WriteStartObject("physicalLocation");
                writer.WriteStartObject("artifactLocation");
                writer.WriteString("uri", finding.Template.Replace('\\', '/'));
                writer.WriteEndObject();
                if (finding.Line is { } line)
                {
                    writer.WriteStartObject("region");
                    writer.WriteNumber("startLine", Math.Max(1, line));
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                if (finding.Resource is not null)
                {
                    writer.WriteStartArray("logicalLocations");
                    writer.WriteStartObject();
                    writer.WriteString("name", finding.Resource);
                    if (finding.Path is not null)
                    {
                        writer.WriteString("fullyQualifiedName", finding.Path);
                    }

                    writer.WriteString("kind", "resource");
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string SarifLevel(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>SARIF's reportingDescriptor.name is an identifier: "Service, container and target-group ports must agree" → ServiceContainerAndTargetGroupPortsMustAgree.</summary>
    internal static string SarifRuleName(string title) =>
        string.Concat(title.Split(title.Where(c => !char.IsAsciiLetterOrDigit(c)).Distinct().ToArray(), StringSplitOptions.RemoveEmptyEntries)
            .Select(word => char.ToUpperInvariant(word[0]) + word[1..]));
}
