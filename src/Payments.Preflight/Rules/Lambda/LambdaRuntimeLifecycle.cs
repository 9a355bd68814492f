using Payments.Preflight.Data;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Lambda;

/// <summary>Shared by PF503 (creation blocked: error) and PF504 (deprecated: warning).</summary>
internal static class LambdaRuntimeLifecycle
{
    public static IEnumerable<(Resource Function, Node Node, LambdaRuntime Runtime)> Runtimes(RuleContext context)
    {
        foreach (var function in LambdaModel.Functions(context))
        {
            if (function.Property("Runtime") is { } node && context.Resolve.String(node) is { } name && PreflightData.LambdaRuntimes.TryGetValue(name, out var runtime))
            {
                yield return (function, node, runtime);
            }
        }
    }

    private static readonly string[] CdkProviderMarkers =
    [
        "CustomResourceProvider", "SingletonLambda", "LogRetention", "BucketNotificationsHandler", "AWS679f53fac002430cb0da5b7982bd2287",
        "Custom::", "Provider/framework-", "CDKBucketDeployment",
    ];

    /// <summary>Names CDK's own custom-resource functions, which users do not write and must override with an Aspect.</summary>
    public static string Origin(Resource function)
    {
        var cdkPath = ((function.Body["Metadata"] as MappingNode)?["aws:cdk:path"] as ScalarNode)?.Value ?? string.Empty;
        var isCdkProvider = CdkProviderMarkers.Any(m => function.LogicalId.Contains(m, StringComparison.Ordinal) || cdkPath.Contains(m, StringComparison.Ordinal));
        return isCdkProvider ? " (a function CDK adds itself for a custom resource: override its Runtime with an Aspect)" : string.Empty;
    }
}
