using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Structure;

/// <summary>
/// PF017: CloudFormation's per-template quotas, which a growing CDK stack meets without anyone writing a wrong line:
/// 500 resources, 200 parameters, 200 outputs, 200 mappings (of 200 attributes each), a 1 MB body; and a body over
/// 51,200 bytes can only be deployed from S3.
/// </summary>
internal sealed class TemplateQuota : Rule
{
    private const int MaxBodyBytes = 1024 * 1024;
    private const int MaxInlineBodyBytes = 51_200;
    private const int MaxResources = 500;
    private const int MaxMappingAttributes = 200;

    private static readonly (string Section, int Limit, string What)[] Counts =
    [
        ("Resources", MaxResources, "resources"),
        ("Parameters", 200, "parameters"),
        ("Outputs", 200, "outputs"),
        ("Mappings", 200, "mappings"),
    ];

    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.TemplateQuota, Severity.Error, "Template exceeds a CloudFormation quota",
        "A template declares more than 500 resources, 200 parameters, 200 outputs or 200 mappings, a mapping has more than 200 attributes, or the body is larger than 1 MB: CloudFormation rejects it (\"Template format error: Number of resources, 501, is greater than maximum allowed, 500\"). `Fn::ForEach` loops (under `AWS::LanguageExtensions`) that go through more than 100,000 items and outputs are a warning: preflight judges only what the first 100,000 make. A body over 51,200 bytes is also refused when passed inline (`aws cloudformation deploy` without `--s3-bucket`, `--template-body`); that one is an info finding, and not reported for CDK cloud assemblies, whose templates CDK uploads to S3.",
        "Split the stack (CDK: move a part into a nested stack or a stack of its own), or shorten the template; deploy large templates from S3.",
        "000",
        Outputs(201),
        Outputs(200));

    /// <summary>A template with <paramref name="count"/> outputs, eight to a line.</summary>
    private static string Outputs(int count) =>
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\nOutputs: {\n"
        + string.Join(",\n", Enumerable.Range(0, count).Chunk(8).Select(line => "  " + string.Join(", ", line.Select(i => $"Out{i}: {{ Value: x }}"))))
        + "\n}\n";

    public override void Check(RuleContext context)
    {
        var template = context.Template;
        foreach (var (section, limit, what) in Counts)
        {
            if (template.Root[section] is MappingNode entries && entries.Count > limit)
            {
                context.ReportTemplate(section, entries,
                    $"the template declares {entries.Count:N0} {what}, more than the {limit} CloudFormation allows; it rejects the template (\"Template format error: Number of {what}, {entries.Count}, is greater than maximum allowed, {limit}\")");
            }
        }

        if (template.Root["Mappings"] is MappingNode mappings)
        {
            foreach (var (name, node) in mappings.Entries)
            {
                if (node is MappingNode map && map.Count > MaxMappingAttributes)
                {
                    context.ReportTemplate($"Mappings/{name}", map, $"the mapping {name} has {map.Count:N0} attributes, more than the {MaxMappingAttributes} CloudFormation allows; it rejects the template");
                }
            }
        }

        // The quota applies to the template after AWS::LanguageExtensions: what its Fn::ForEach loops make counts.
        if (template.Resources.Values.Any(r => r.MadeBy is not null) && template.Resources.Count > MaxResources
            && (template.Root["Resources"] as MappingNode)?.Count <= MaxResources)
        {
            context.ReportTemplate("Resources", template.Root["Resources"],
                $"with what its Fn::ForEach loops make, the template has at least {template.Resources.Count:N0} resources, more than the {MaxResources} CloudFormation allows after the transform; it rejects the template");
        }

        if (template.LoopsCut)
        {
            context.ReportTemplate("Resources", template.Root["Resources"],
                $"its Fn::ForEach loops go through more than {LoopExpansion.MaxSteps:N0} items and outputs: preflight expanded that many and judged only what they make. Loops that multiply out this far are far past what CloudFormation's transform makes into a deployable template (500 resources, 1 MB)",
                Severity.Warning);
        }

        if (template.Bytes > MaxBodyBytes)
        {
            context.ReportTemplate(null, null, $"the template is {template.Bytes:N0} bytes, more than the {MaxBodyBytes:N0} (1 MB) CloudFormation accepts, even from S3");
        }
        else if (template.Bytes > MaxInlineBodyBytes && template.StackName is null)
        {
            context.ReportTemplate(null, null,
                $"the template is {template.Bytes:N0} bytes, more than the {MaxInlineBodyBytes:N0} CloudFormation accepts inline: deploy it from S3 (`aws cloudformation deploy --s3-bucket …`, or `--template-url`)",
                Severity.Info);
        }
    }
}
