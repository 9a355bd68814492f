using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Lambda;

internal sealed class LambdaRuntimeBlocked : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LambdaRuntimeBlocked, Severity.Error,
        "Lambda runtime whose creation AWS has blocked",
        "After a runtime's deprecation, AWS blocks creating functions with it (dates in Data/lambda-runtimes.json, from cfn-lint, and Data/lambda-runtimes-aws.json, from AWS's runtime tables). A template using it fails to create the function — including the custom-resource functions CDK synthesizes itself. An error only once the block is certain: when the sources give different dates (AWS has postponed blocks), not before the later one; until then PF504 warns.",
        "Use the successor runtime (the message names it); for CDK's own functions, add an Aspect that sets `Runtime` on every `CfnFunction` to a supported runtime (e.g. nodejs22.x).",
        "004",
        """
        Resources:
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: nodejs16.x
              Handler: index.handler
              Role: arn:aws:iam::123456789012:role/lambda
              Code:
                ZipFile: "exports.handler = async () => ({});"
        """,
        """
        Resources:
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: nodejs22.x
              Handler: index.handler
              Role: arn:aws:iam::123456789012:role/lambda
              Code:
                ZipFile: "exports.handler = async () => ({});"
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (function, node, runtime) in LambdaRuntimeLifecycle.Runtimes(context))
        {
            if (runtime.CreateBlocked is { } blocked && blocked <= context.Today)
            {
                context.Report(function, "Properties/Runtime", node,
                    $"runtime {runtime.Name} of function {function.LogicalId}{LambdaRuntimeLifecycle.Origin(function)} cannot be used to create functions since {blocked:yyyy-MM-dd}; the deploy fails. Use {LambdaRuntimeLifecycle.Advice(runtime, context.Today)}.");
            }
        }
    }
}
