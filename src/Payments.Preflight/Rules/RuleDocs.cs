using System.Text;

namespace Payments.Preflight.Rules;

/// <summary>Renders docs/rules/&lt;ID&gt;.md from a descriptor, so the page and the tested examples cannot drift.</summary>
internal static class RuleDocs
{
    public static string Page(RuleDescriptor descriptor)
    {
        var builder = new StringBuilder();
        builder.Append("# ").Append(descriptor.Id).Append(": ").AppendLine(descriptor.Title).AppendLine();
        builder.Append("Severity: **").Append(descriptor.Severity.ToString().ToLowerInvariant()).Append("** · ").Append(descriptor.Seeds.Count > 1 ? "Seeds: " : "Seed: ")
            .AppendJoin(", ", descriptor.Seeds.Select(seed => $"`shared/seeds/{seed}_*.txt`")).AppendLine().AppendLine();
        builder.AppendLine("## Why it fails").AppendLine().AppendLine(descriptor.Description).AppendLine();
        builder.AppendLine("## Fix").AppendLine().AppendLine(descriptor.Fix).AppendLine();
        if (descriptor.FailingExample.Length > 0)
        {
            builder.Append("The examples are checked by the test suite with `--environment ").Append(descriptor.ExampleEnvironment).AppendLine("`.").AppendLine();
            builder.AppendLine("## Failing example").AppendLine().AppendLine("```yaml").Append(descriptor.FailingExample.TrimEnd()).AppendLine().AppendLine("```").AppendLine();
        }

        if (descriptor.PassingExample.Length > 0)
        {
            builder.AppendLine("## Passing example").AppendLine().AppendLine("```yaml").Append(descriptor.PassingExample.TrimEnd()).AppendLine().AppendLine("```").AppendLine();
        }

        builder.AppendLine("## Suppressing").AppendLine()
            .AppendLine("Only with a reason that would convince a reviewer, in the resource's `Metadata`:").AppendLine()
            .AppendLine("```yaml").AppendLine("Metadata:").AppendLine("  preflight:").AppendLine("    suppress:")
            .Append("      - id: ").AppendLine(descriptor.Id).AppendLine("        reason: <why this cannot fail here>").AppendLine("```");
        return builder.ToString();
    }
}
