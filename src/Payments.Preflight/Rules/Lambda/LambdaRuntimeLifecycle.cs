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

    public static string Origin(Resource function) =>
        function.LogicalId.Contains("CustomResourceProvider", StringComparison.Ordinal) || function.LogicalId.StartsWith("AWS", StringComparison.Ordinal) || function.LogicalId.Contains("SingletonLambda", StringComparison.Ordinal)
            ? " (a function CDK adds itself for a custom resource: override its Runtime with an Aspect)"
            : string.Empty;
}
