using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Lambda;

internal sealed class LambdaRuntimeDeprecated : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LambdaRuntimeDeprecated, Severity.Warning,
        "Deprecated Lambda runtime",
        "A deprecated runtime gets no security patches, and AWS will block creating and then updating functions that use it (dates in Data/lambda-runtimes.json): the next deploy after that date fails.",
        "Move to the successor runtime before the block date.",
        "004",
        """
        Resources:
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: dotnet8
              Handler: Payments::Payments.Function::Handle
              Role: arn:aws:iam::123456789012:role/lambda
              Code:
                S3Bucket: artifacts
                S3Key: function.zip
        """,
        """
        Resources:
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: dotnet10
              Handler: Payments::Payments.Function::Handle
              Role: arn:aws:iam::123456789012:role/lambda
              Code:
                S3Bucket: artifacts
                S3Key: function.zip
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (function, node, runtime) in LambdaRuntimeLifecycle.Runtimes(context))
        {
            var blocked = runtime.CreateBlocked is { } b && b <= context.Today;
            if (!blocked && runtime.Deprecated is { } deprecated && deprecated <= context.Today)
            {
                context.Report(function, "Properties/Runtime", node,
                    $"runtime {runtime.Name} of function {function.LogicalId}{LambdaRuntimeLifecycle.Origin(function)} is deprecated since {deprecated:yyyy-MM-dd}; creating functions with it is blocked from {runtime.CreateBlocked:yyyy-MM-dd}. Use {runtime.Successor ?? "a supported runtime"}.");
            }
        }
    }
}
