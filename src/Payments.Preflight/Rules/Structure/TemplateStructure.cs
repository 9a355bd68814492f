using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Structure;

/// <summary>Shape errors CloudFormation rejects in validation; also guards the other rules against wrong types.</summary>
internal sealed class TemplateStructure : Rule
{
    private static readonly HashSet<string> DeletionPolicies = new(StringComparer.Ordinal) { "Delete", "Retain", "Snapshot", "RetainExceptOnCreate" };

    /// <summary>Properties whose shape other rules rely on: a wrong type fails CloudFormation's schema validation.</summary>
    private static readonly HashSet<string> ListProperties = new(StringComparer.Ordinal)
    {
        "LoadBalancers", "ContainerDefinitions", "PortMappings", "ManagedPolicyArns", "RequiresCompatibilities", "SubnetIds", "Subnets",
        "SecurityGroupIds", "SecurityGroups", "Stages", "Actions", "DefaultActions", "Certificates", "ECSServices", "Rules",
    };

    private static readonly HashSet<string> MapProperties = new(StringComparer.Ordinal)
    {
        "DeploymentController", "DeploymentConfiguration", "LoadBalancerInfo",
        "VersioningConfiguration", "LifecycleConfiguration", "HealthCheck", "NetworkConfiguration", "ArtifactStore", "ActionTypeId",
    };

    /// <summary>Policy documents: CloudFormation takes an object or a JSON string (schema type ["object", "string"]), never a list.</summary>
    private static readonly HashSet<string> DocumentProperties = new(StringComparer.Ordinal) { "AssumeRolePolicyDocument", "KeyPolicy", "PolicyDocument" };

    /// <summary>Resource types where a listed name has another shape (AWS::Connect::Rule's Actions is an object).</summary>
    private static readonly HashSet<(string Type, string Property)> ShapeExceptions = [("AWS::Connect::Rule", "Actions")];

    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.TemplateStructure, Severity.Error, "Template structure is invalid",
        "A section or resource has the wrong shape: Resources missing, empty or not a mapping, a resource without a Type string, Properties or Metadata that is not a mapping, or an unknown DeletionPolicy. CloudFormation fails validation before creating anything.",
        "Give the template a Resources mapping, and every resource a `Type` string and a `Properties` mapping; DeletionPolicy is Delete, Retain, Snapshot or RetainExceptOnCreate.",
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
                if (!HasTransform(context, "AWS::LanguageExtensions"))
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

            if (body["Properties"] is MappingNode properties)
            {
                CheckShapes(context, resource, properties, "Properties", 0);
            }

            foreach (var key in new[] { "DeletionPolicy", "UpdateReplacePolicy" })
            {
                if (body[key] is ScalarNode policy && !DeletionPolicies.Contains(policy.Value))
                {
                    context.Report(resource, key, policy, $"{key} '{policy.Value}' of {logicalId} is not one of Delete, Retain, Snapshot, RetainExceptOnCreate");
                }
            }
        }
    }

    private static bool HasTransform(RuleContext context, string name) => context.Template.Root["Transform"] switch
    {
        ScalarNode single => single.Value == name,
        SequenceNode list => list.Items.OfType<ScalarNode>().Any(t => t.Value == name),
        _ => false,
    };

    /// <summary>Walks the properties and reports well-known lists given as scalars/maps and objects given as scalars/lists.</summary>
    private static void CheckShapes(RuleContext context, Resource resource, MappingNode map, string path, int depth)
    {
        if (depth > 12 || map.IntrinsicName is not null)
        {
            return;
        }

        foreach (var (key, value) in map.Entries)
        {
            var valuePath = $"{path}/{key}";
            var isIntrinsic = value is MappingNode { IntrinsicName: not null } || ShapeExceptions.Contains((resource.Type, key));
            if (!isIntrinsic && DocumentProperties.Contains(key) && value is SequenceNode)
            {
                context.Report(resource, valuePath, value, $"{key} of {resource.LogicalId} must be a policy document (a mapping, or a JSON string), not a list; CloudFormation rejects the template.");
            }
            else if (!isIntrinsic && ListProperties.Contains(key) && value is not SequenceNode)
            {
                context.Report(resource, valuePath, value, $"{key} of {resource.LogicalId} must be a list; CloudFormation rejects the template (\"expected type: JSONArray\").");
            }
            else if (!isIntrinsic && MapProperties.Contains(key) && value is not MappingNode)
            {
                context.Report(resource, valuePath, value, $"{key} of {resource.LogicalId} must be a mapping; CloudFormation rejects the template (\"expected type: JSONObject\").");
            }

            switch (value)
            {
                case MappingNode child:
                    CheckShapes(context, resource, child, valuePath, depth + 1);
                    break;
                case SequenceNode list:
                    for (var i = 0; i < list.Items.Count; i++)
                    {
                        if (list.Items[i] is MappingNode item)
                        {
                            CheckShapes(context, resource, item, $"{valuePath}/{i}", depth + 1);
                        }
                    }

                    break;
            }
        }
    }
}
