using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Lambda;

internal sealed class LambdaRuntimeDeprecated : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LambdaRuntimeDeprecated, Severity.Warning,
        "Deprecated Lambda runtime",
        "A deprecated runtime gets no security patches, and AWS will block creating and then updating functions that use it (dates in Data/lambda-runtimes.json and Data/lambda-runtimes-aws.json): the next deploy after that date fails. Also a warning, not PF503's error, while the sources disagree on a block date that one of them puts in the past.",
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
            if (runtime.CreateBlocked is { } certain && certain <= context.Today)
            {
                continue;
            }

            var advice = LambdaRuntimeLifecycle.Advice(runtime, context.Today);
            var where = $"runtime {runtime.Name} of function {function.LogicalId}{LambdaRuntimeLifecycle.Origin(function)}";
            if (runtime.CreateBlocks.Count > 1 && runtime.CreateBlocks[0].Date <= context.Today)
            {
                context.Report(function, "Properties/Runtime", node,
                    $"{where} is deprecated; the sources disagree on when creating functions with it is blocked: {LambdaRuntimeLifecycle.BlockDates(runtime)}. Creation may fail already and will from {runtime.CreateBlocked:yyyy-MM-dd}. Use {advice}.");
            }
            else if (runtime.Deprecated is { } deprecated && deprecated <= context.Today)
            {
                context.Report(function, "Properties/Runtime", node,
                    $"{where} is deprecated since {deprecated:yyyy-MM-dd}; creating functions with it is blocked from {runtime.CreateBlocked:yyyy-MM-dd}. Use {advice}.");
            }
        }
    }
}
