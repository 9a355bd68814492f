using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Storage;

internal static class LifecycleRules
{
    public static readonly string[] Actions =
    [
        "ExpirationDate", "ExpirationInDays", "ExpiredObjectDeleteMarker", "NoncurrentVersionExpiration", "NoncurrentVersionExpirationInDays",
        "NoncurrentVersionTransition", "NoncurrentVersionTransitions", "Transition", "Transitions", "AbortIncompleteMultipartUpload",
    ];

    public static readonly string[] CurrentObjectActions = ["ExpirationDate", "ExpirationInDays", "Transition", "Transitions"];

    public static readonly string[] Filters = ["Prefix", "TagFilters", "ObjectSizeGreaterThan", "ObjectSizeLessThan"];

    public static IEnumerable<(Resource Bucket, string Path, MappingNode Rule)> Rules(RuleContext context)
    {
        foreach (var bucket in context.Template.OfType("AWS::S3::Bucket"))
        {
            var rules = Resolver.Items((bucket.Property("LifecycleConfiguration") as MappingNode)?["Rules"]);
            for (var i = 0; i < rules.Count; i++)
            {
                if (rules[i] is MappingNode rule && rule.IntrinsicName is null)
                {
                    yield return (bucket, $"Properties/LifecycleConfiguration/Rules/{i}", rule);
                }
            }
        }
    }

    /// <summary>How messages name a lifecycle rule: its Id, else its index in the bucket's rules.</summary>
    public static string Name(RuleContext context, string path, MappingNode rule) =>
        context.Resolve.String(rule["Id"]) ?? path[(path.LastIndexOf('/') + 1)..];
}
