using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Structure;

/// <summary>
/// Shape errors CloudFormation rejects in validation: the template's sections, and property values whose type the resource
/// provider schema rules out (a list for an object, a word for an integer; see <see cref="ResourceShapes"/>).
/// </summary>
internal sealed class TemplateStructure : Rule
{
    private static readonly HashSet<string> DeletionPolicies = new(StringComparer.Ordinal) { "Delete", "Retain", "Snapshot", "RetainExceptOnCreate" };

    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.TemplateStructure, Severity.Error, "Template structure is invalid",
        "A section or resource has the wrong shape: Resources missing, empty or not a mapping, a Transform that is not a name (a string, a list of them, or `{Name: string, Parameters: mapping}`), a resource without a Type string, Properties or Metadata that is not a mapping, an unknown DeletionPolicy, or a property value whose type the resource provider schema rules out (a list where it takes a mapping, a word where it takes an integer; CloudFormation converts scalars, so \"5\" is an integer and \"true\" a boolean). CloudFormation fails validation before creating anything.",
        "Give the template a Resources mapping, and every resource a `Type` string and a `Properties` mapping; DeletionPolicy is Delete, Retain, Snapshot or RetainExceptOnCreate; give each property the type its resource reference names.",
        "000",
        """
        Resources:
          Bucket:
            Properties: {}
        """,
        """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            Properties: {}
        """);

    public override void Check(RuleContext context)
    {
        var root = context.Template.Root;
        foreach (var (path, node, name) in Template.TransformEntries(root["Transform"]))
        {
            if (name is null)
            {
                var what = node switch
                {
                    ScalarNode { Kind: ScalarKind.Null } => "null",
                    ScalarNode scalar => $"the {scalar.Kind.ToString().ToLowerInvariant()} {Excerpt.Of(scalar.Value)}",
                    SequenceNode => "a list",
                    _ when path.EndsWith("/Name", StringComparison.Ordinal) => "a mapping",
                    _ => "a mapping without a Name",
                };
                context.ReportTemplate(path, node, $"{path} is {what}, not a transform name: a transform is named by a string (`Transform: AWS::Serverless-2016-10-31`), a list of them, or `{{Name: MyMacro, Parameters: {{…}}}}`");
            }
        }

        switch (root["Resources"])
        {
            case null:
                context.ReportTemplate("Resources", root, "the template has no Resources section; CloudFormation requires at least one resource");
                return;
            case not MappingNode:
                context.ReportTemplate("Resources", root["Resources"], "Resources must be a mapping of logical IDs to resources");
                return;
        }

        foreach (var section in new[] { "Parameters", "Conditions", "Outputs", "Mappings", "Metadata" })
        {
            if (root[section] is { } node and not MappingNode && !(node is ScalarNode { Kind: ScalarKind.Null }))
            {
                context.ReportTemplate(section, node, $"{section} must be a mapping");
            }
        }

        var resources = (MappingNode)root["Resources"]!;
        if (resources.Count == 0)
        {
            context.ReportTemplate("Resources", resources, "Resources is empty; CloudFormation requires at least one resource (\"At least one Resources member must be defined\")");
        }

        foreach (var (logicalId, node) in resources.Entries)
        {
            var path = $"Resources/{logicalId}";
            if (logicalId.StartsWith("Fn::ForEach::", StringComparison.Ordinal))
            {
                // AWS::LanguageExtensions expands these loops at deploy time; their resources are not checked here.
                if (!context.Template.Transforms.Contains(Template.LanguageExtensionsTransform))
                {
                    context.ReportTemplate(path, node, $"{logicalId} needs `Transform: AWS::LanguageExtensions`; without it CloudFormation rejects the template");
                }

                continue;
            }

            if (node is not MappingNode body)
            {
                context.ReportTemplate(path, node, $"resource {logicalId} must be a mapping with a Type");
                continue;
            }

            if (body["Type"] is not ScalarNode { Kind: ScalarKind.String } type || type.Value.Length == 0)
            {
                context.ReportTemplate($"{path}/Type", body["Type"] ?? body, $"resource {logicalId} has no Type string");
                continue;
            }

            var resource = context.Template.Resources[logicalId];
            foreach (var key in new[] { "Properties", "Metadata" })
            {
                if (body[key] is { } value and not MappingNode && !(value is ScalarNode { Kind: ScalarKind.Null }))
                {
                    context.Report(resource, key, value, $"{key} of {logicalId} must be a mapping");
                }
            }

            foreach (var key in new[] { "DeletionPolicy", "UpdateReplacePolicy" })
            {
                if (body[key] is ScalarNode policy && !DeletionPolicies.Contains(policy.Value))
                {
                    context.Report(resource, key, policy, $"{key} '{Excerpt.Of(policy.Value)}' of {logicalId} is not one of Delete, Retain, Snapshot, RetainExceptOnCreate");
                }
            }
        }

        ResourceShapeFindings.Report(context, ShapeIssueKind.WrongShape);
    }
}
