using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Lifecycle;

internal sealed class BucketDeleteFails : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.BucketDeleteFails, Severity.Warning,
        "S3 bucket deleted with the stack but never emptied",
        "CloudFormation deletes only empty buckets. A bucket with `DeletionPolicy: Delete` (the default for raw templates) that is versioned, or that the stack itself writes to (deployments, logs, artifacts), is not empty at delete time: the stack delete fails (\"The bucket you tried to delete is not empty\") and leaves orphaned resources that break the next deploy.",
        "Add auto-delete (CDK: `AutoDeleteObjects = true` with `RemovalPolicy.DESTROY`), or retain the bucket (`DeletionPolicy: Retain`) where its data must outlive the stack.",
        "000",
        """
        Resources:
          Artifacts:
            Type: AWS::S3::Bucket
            DeletionPolicy: Delete
            Properties:
              VersioningConfiguration:
                Status: Enabled
        """,
        """
        Resources:
          Artifacts:
            Type: AWS::S3::Bucket
            DeletionPolicy: Delete
            Properties:
              VersioningConfiguration:
                Status: Enabled
          ArtifactsAutoDelete:
            Type: Custom::S3AutoDeleteObjects
            Properties:
              ServiceToken: arn:aws:lambda:eu-west-1:123456789012:function:auto-delete
              BucketName: !Ref Artifacts
        """);

    public override void Check(RuleContext context)
    {
        var autoDeleted = context.Template.Resources.Values
            .Where(r => r.Type is "Custom::S3AutoDeleteObjects" || (r.Type.StartsWith("Custom::", StringComparison.Ordinal) && r.Type.Contains("AutoDelete", StringComparison.OrdinalIgnoreCase)))
            .Select(r => context.Resolve.ResourceTarget(r.Property("BucketName")))
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        var writers = BucketWriters(context);
        foreach (var bucket in context.Template.OfType("AWS::S3::Bucket"))
        {
            if (bucket.KnownDeletionPolicy(whenAbsent: "Delete") != "Delete" || autoDeleted.Contains(bucket.LogicalId))
            {
                continue;
            }

            var versioned = string.Equals(context.Resolve.String((bucket.Property("VersioningConfiguration") as MappingNode)?["Status"]), "Enabled", StringComparison.Ordinal);
            writers.TryGetValue(bucket.LogicalId, out var writer);
            if (versioned || writer is not null)
            {
                var why = versioned ? "is versioned (old versions and delete markers stay)" : $"is written by {writer}";
                context.Report(bucket, bucket.Body["DeletionPolicy"] is null ? null : "DeletionPolicy", bucket.Body["DeletionPolicy"] ?? bucket.Body,
                    $"bucket {bucket.LogicalId} is deleted with the stack but {why} and nothing empties it; the stack delete fails with \"bucket not empty\". Add auto-delete or retain it.");
            }
        }
    }

    /// <summary>Buckets that resources of the same template put objects into, with a description of the writer.</summary>
    private static Dictionary<string, string> BucketWriters(RuleContext context)
    {
        var writers = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(Node? reference, string writer)
        {
            if (context.Resolve.ResourceOf(reference) is { Type: "AWS::S3::Bucket" } bucket)
            {
                writers.TryAdd(bucket.LogicalId, writer);
            }
        }

        foreach (var resource in context.Template.Resources.Values)
        {
            switch (resource.Type)
            {
                case "Custom::CDKBucketDeployment":
                    Add(resource.Property("DestinationBucketName"), $"bucket deployment {resource.LogicalId}");
                    break;
                case "AWS::EC2::FlowLog":
                    Add(resource.Property("LogDestination"), $"flow log {resource.LogicalId}");
                    break;
                case "AWS::CloudTrail::Trail":
                    Add(resource.Property("S3BucketName"), $"trail {resource.LogicalId}");
                    break;
                case "AWS::CodePipeline::Pipeline":
                    Add((resource.Property("ArtifactStore") as MappingNode)?["Location"], $"pipeline {resource.LogicalId} (artifacts)");
                    break;
                case "AWS::S3::Bucket":
                    Add((resource.Property("LoggingConfiguration") as MappingNode)?["DestinationBucketName"], $"access logs of bucket {resource.LogicalId}");
                    break;
                case "AWS::ElasticLoadBalancingV2::LoadBalancer":
                    foreach (var attribute in Resolver.Items(resource.Property("LoadBalancerAttributes")).OfType<MappingNode>())
                    {
                        if (context.Resolve.String(attribute["Key"]) == "access_logs.s3.bucket")
                        {
                            Add(attribute["Value"], $"access logs of load balancer {resource.LogicalId}");
                        }
                    }

                    break;
            }
        }

        return writers;
    }
}
