using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Lifecycle;

/// <summary>The properties that give a resource a physical name unique per account and region.</summary>
internal static class PhysicalNames
{
    private static readonly Dictionary<string, string[]> NameProperties = new(StringComparer.Ordinal)
    {
        ["AWS::S3::Bucket"] = ["BucketName"],
        ["AWS::ECR::Repository"] = ["RepositoryName"],
        ["AWS::Logs::LogGroup"] = ["LogGroupName"],
        ["AWS::IAM::Role"] = ["RoleName"],
        ["AWS::IAM::ManagedPolicy"] = ["ManagedPolicyName"],
        ["AWS::IAM::User"] = ["UserName"],
        ["AWS::IAM::InstanceProfile"] = ["InstanceProfileName"],
        ["AWS::ECS::Cluster"] = ["ClusterName"],
        ["AWS::RDS::DBInstance"] = ["DBInstanceIdentifier"],
        ["AWS::RDS::DBCluster"] = ["DBClusterIdentifier"],
        ["AWS::RDS::DBSubnetGroup"] = ["DBSubnetGroupName"],
        ["AWS::SNS::Topic"] = ["TopicName"],
        ["AWS::SQS::Queue"] = ["QueueName"],
        ["AWS::DynamoDB::Table"] = ["TableName"],
        ["AWS::Lambda::Function"] = ["FunctionName"],
        ["AWS::SecretsManager::Secret"] = ["Name"],
        ["AWS::KMS::Alias"] = ["AliasName"],
        ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = ["Name"],
        ["AWS::ElasticLoadBalancingV2::TargetGroup"] = ["Name"],
        ["AWS::CodePipeline::Pipeline"] = ["Name"],
        ["AWS::CodeBuild::Project"] = ["Name"],
        ["AWS::CodeDeploy::Application"] = ["ApplicationName"],
        ["AWS::SSM::Parameter"] = ["Name"],
        ["AWS::CloudWatch::Alarm"] = ["AlarmName"],
        ["AWS::Events::Rule"] = ["Name"],
        ["AWS::StepFunctions::StateMachine"] = ["StateMachineName"],
        ["AWS::Kinesis::Stream"] = ["Name"],
        ["AWS::ElastiCache::ReplicationGroup"] = ["ReplicationGroupId"],
        ["AWS::EFS::FileSystem"] = [],
    };

    /// <summary>Fixed (fully literal) physical names of a resource; names built from parameters, the stack name or other resources are not fixed.</summary>
    public static IEnumerable<(string Property, Node Node, string Name)> FixedNames(RuleContext context, Resource resource)
    {
        if (!NameProperties.TryGetValue(resource.Type, out var properties))
        {
            yield break;
        }

        foreach (var property in properties)
        {
            if (resource.Property(property) is { } node && context.Literal.String(node) is { Length: > 0 } name)
            {
                yield return (property, node, name);
            }
        }
    }

    /// <summary>True when a name contains a part that tells environments apart (the stack's environment, or any environment word).</summary>
    public static bool HasEnvironmentPart(RuleContext context, string name)
    {
        var tokens = EnvironmentInfo.Tokens(name).ToList();
        if (context.Environment.Name is { } environment && (tokens.Contains(environment.ToLowerInvariant()) || name.Contains(environment, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return tokens.Any(t => EnvironmentInfo.Classify(t) is not null);
    }
}
