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

    /// <summary>
    /// A runtime to move to that can still be created today: the data's successor, unless it is container-only or
    /// deprecated itself; then the newest runtime of the successor's family (letters before the version) that is neither.
    /// </summary>
    public static string Advice(LambdaRuntime runtime, DateOnly today)
    {
        var runtimes = PreflightData.LambdaRuntimes;
        if (runtime.Successor is { } named && runtimes.TryGetValue(named, out var successor) && Creatable(successor, today))
        {
            return named;
        }

        var family = Family(runtime.Successor ?? runtime.Name);
        var best = runtimes.Values
            .Where(r => Family(r.Name) == family && Creatable(r, today))
            .OrderByDescending(r => r.Deprecated ?? DateOnly.MaxValue)
            .ThenByDescending(r => r.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best?.Name ?? "a supported runtime";
    }

    /// <summary>How the sources date the create block, e.g. "2026-06-01 (cfn-lint data …), 2027-02-01 (AWS's runtime tables …)".</summary>
    public static string BlockDates(LambdaRuntime runtime) =>
        string.Join(", ", runtime.CreateBlocks.Select(b => $"{b.Date:yyyy-MM-dd} ({b.Source})"));

    private static bool Creatable(LambdaRuntime runtime, DateOnly today) =>
        !runtime.ContainerOnly && !(runtime.Deprecated <= today) && !(runtime.CreateBlocks.Count > 0 && runtime.CreateBlocks[0].Date <= today);

    private static string Family(string name)
    {
        var end = 0;
        while (end < name.Length && char.IsLetter(name[end]))
        {
            end++;
        }

        var family = name[..end];
        return family == "dotnetcore" ? "dotnet" : family;
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
