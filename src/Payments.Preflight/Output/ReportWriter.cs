using System.Text;
using System.Text.Json;
using Payments.Preflight.Rules;

namespace Payments.Preflight.Output;

internal enum OutputFormat { Text, Json, Sarif }

/// <summary>
/// Writes a report as text (cfn-lint-like), JSON (the schema) or SARIF 2.1.0. Messages, logical IDs and paths
/// are shown as <see cref="Excerpt"/>s, so that no finding about a huge value makes a huge report (or one longer than
/// a JSON writer accepts).
/// </summary>
internal static class ReportWriter
{
    public static string Write(PreflightReport report, OutputFormat format, Uri? docsBaseUrl = null) => format switch
    {
        OutputFormat.Json => Json(report),
        OutputFormat.Sarif => Sarif(report, docsBaseUrl),
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
                builder.Append(" [").Append(Excerpt.Of(finding.Resource)).Append(']');
            }

            builder.AppendLine().Append("  ").AppendLine(Excerpt.Of(finding.Message, Excerpt.MaxMessage));
        }

        // One checklist: each thing that must exist is listed once, with every place that needs it.
        var mustExist = report.Findings.Where(f => f.RuleId == RuleIds.MustExistFirst).GroupBy(f => f.Message, StringComparer.Ordinal).ToList();
        if (mustExist.Count > 0)
        {
            builder.AppendLine().AppendLine($"Must exist before deploy ({mustExist.Count}, {RuleIds.MustExistFirst} warnings):");
            foreach (var item in mustExist)
            {
                builder.Append("  - ").AppendLine(Excerpt.Of(item.Key, Excerpt.MaxMessage));
                foreach (var finding in item)
                {
                    builder.Append("      ").Append(Location(finding)).AppendLine(finding.Resource is null ? string.Empty : $" [{Excerpt.Of(finding.Resource)}]");
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
                WriteNullable(writer, "resource", finding.Resource is null ? null : Excerpt.Of(finding.Resource));
                WriteNullable(writer, "path", finding.Path is null ? null : Excerpt.Of(finding.Path, Excerpt.MaxMessage));
                if (finding.Line is { } line)
                {
                    writer.WriteNumber("line", line);
                }
                else
                {
                    writer.WriteNull("line");
                }

                writer.WriteString("message", Excerpt.Of(finding.Message, Excerpt.MaxMessage));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("templates", report.Templates);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <param name="docsBaseUrl">
    /// Where the repository's files are browsed (e.g. <c>https://github.com/org/repo/blob/main/</c>): SARIF wants
    /// absolute help links, so without it <c>helpUri</c> and <c>informationUri</c> are left out rather than guessed.
    /// </param>
    public static string Sarif(PreflightReport report, Uri? docsBaseUrl = null)
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
            if (docsBaseUrl is not null)
            {
                writer.WriteString("informationUri", DocsLink(docsBaseUrl, "docs/preflight.md"));
            }

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
                writer.WriteString("text", $"{descriptor.Fix} See {descriptor.DocsPath}.");
                writer.WriteEndObject();
                if (docsBaseUrl is not null)
                {
                    writer.WriteString("helpUri", DocsLink(docsBaseUrl, descriptor.DocsPath));
                }

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
                writer.WriteString("text", Excerpt.Of(finding.Message, Excerpt.MaxMessage));
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
                    writer.WriteString("name", Excerpt.Of(finding.Resource));
                    if (finding.Path is not null)
                    {
                        writer.WriteString("fullyQualifiedName", Excerpt.Of(finding.Path, Excerpt.MaxMessage));
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

    /// <summary>An absolute http(s) URL to use as the docs base, or null with the reason it is not one.</summary>
    public static Uri? ParseDocsBaseUrl(string value, out string? problem)
    {
        problem = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            problem = $"the docs base URL must be an absolute http(s) URL without query or fragment, not '{value}'";
            return null;
        }

        // Without the trailing slash, resolving docs/… against the base would drop its last segment (the branch).
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static string DocsLink(Uri docsBaseUrl, string relativePath) => new Uri(docsBaseUrl, relativePath).AbsoluteUri;

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
