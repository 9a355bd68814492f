using Payments.Preflight.Data;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Lifecycle;

internal sealed class UndeletableInNonProduction : Rule
{
    private static readonly HashSet<string> AlsoStateful = new(StringComparer.Ordinal) { "AWS::ECR::Repository", "AWS::Logs::LogGroup" };

    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.UndeletableInNonProduction, Severity.Warning,
        "Non-production stack with stateful resources that cannot be deleted",
        "In a dev/test/staging stack (environment from `--environment`, a stack tag such as `Environment`, or the stack name), deletion protection or `DeletionPolicy: Retain` on databases, buckets, repositories or log groups makes `cdk destroy` fail or leave orphans behind, and the next deploy of the environment fails with \"already exists\".",
        "Let the environment table decide: `RemovalPolicy.DESTROY` and no deletion protection outside production, retain/snapshot and protection in production.",
        "004",
        """
        Resources:
          Database:
            Type: AWS::RDS::DBInstance
            DeletionPolicy: Snapshot
            Properties:
              Engine: postgres
              EngineVersion: "16.9"
              DBInstanceClass: db.t4g.micro
              AllocatedStorage: "20"
              DeletionProtection: true
        """,
        """
        Resources:
          Database:
            Type: AWS::RDS::DBInstance
            DeletionPolicy: Snapshot
            Properties:
              Engine: postgres
              EngineVersion: "16.9"
              DBInstanceClass: db.t4g.micro
              AllocatedStorage: "20"
              DeletionProtection: false
        """);

    public override void Check(RuleContext context)
    {
        if (!context.Environment.IsKnownNonProduction)
        {
            return;
        }

        var where = $"environment '{context.Environment.Name}' (from {context.Environment.Source})";
        foreach (var resource in context.Template.Resources.Values)
        {
            if (resource.DeletionPolicy is "Retain" or "RetainExceptOnCreate" && (PreflightData.StatefulTypes.Contains(resource.Type) || AlsoStateful.Contains(resource.Type)))
            {
                context.Report(resource, "DeletionPolicy", resource.Body["DeletionPolicy"],
                    $"{resource.LogicalId} ({resource.Type}) is retained on delete in non-production {where}; tearing the environment down leaves it behind and the next deploy collides with it. Use RemovalPolicy.DESTROY (or SNAPSHOT for databases) outside production.");
            }

            if (Protection(context, resource) is { } protection)
            {
                context.Report(resource, protection.Path, protection.Node,
                    $"{resource.LogicalId} has deletion protection in non-production {where}; deleting the stack fails. Enable it only in production.");
            }
        }
    }

    private static (string Path, Node Node)? Protection(RuleContext context, Resource resource)
    {
        string? property = resource.Type switch
        {
            "AWS::RDS::DBInstance" or "AWS::RDS::DBCluster" or "AWS::Neptune::DBCluster" or "AWS::DocDB::DBCluster" => "DeletionProtection",
            "AWS::DynamoDB::Table" or "AWS::DynamoDB::GlobalTable" or "AWS::Logs::LogGroup" => "DeletionProtectionEnabled",
            _ => null,
        };
        if (property is not null && resource.Property(property) is { } node && context.Resolve.Boolean(node) == true)
        {
            return ($"Properties/{property}", node);
        }

        if (resource.Type == "AWS::ElasticLoadBalancingV2::LoadBalancer")
        {
            foreach (var attribute in Resolver.Items(resource.Property("LoadBalancerAttributes")).OfType<MappingNode>())
            {
                if (context.Resolve.String(attribute["Key"]) == "deletion_protection.enabled" && context.Resolve.Boolean(attribute["Value"]) == true)
                {
                    return ("Properties/LoadBalancerAttributes", attribute);
                }
            }
        }

        if (resource.Type == "AWS::Cognito::UserPool" && context.Resolve.String(resource.Property("DeletionProtection")) == "ACTIVE")
        {
            return ("Properties/DeletionProtection", resource.Property("DeletionProtection")!);
        }

        return null;
    }
}
