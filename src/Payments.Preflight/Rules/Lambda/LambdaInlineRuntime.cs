using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Lambda;

internal sealed class LambdaInlineRuntime : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LambdaInlineRuntime, Severity.Error,
        "Inline Lambda code needs a Node.js or Python runtime",
        "CloudFormation's inline code (`Code.ZipFile`) is written to index.js or index.py; it works only with Node.js and Python runtimes. With any other runtime the function fails to create (\"ZipFile can only be used when Runtime is set to either of nodejs… python…\").",
        "Use a `nodejsNN.x` or `pythonN.NN` runtime for inline code, or package the code as an asset (S3) for other languages.",
        "004",
        """
        Resources:
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: java21
              Handler: index.handler
              Role: arn:aws:iam::123456789012:role/lambda
              Code:
                ZipFile: "exports.handler = async () => ({ statusCode: 200 });"
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
                ZipFile: "exports.handler = async () => ({ statusCode: 200 });"
        """);

    public override void Check(RuleContext context)
    {
        foreach (var function in LambdaModel.Functions(context))
        {
            if (LambdaModel.InlineCode(context, function) is null)
            {
                continue;
            }

            var runtimeNode = function.Property("Runtime");
            var runtime = context.Resolve.String(runtimeNode);
            if (runtimeNode is null)
            {
                context.Report(function, "Properties", function.Properties, $"function {function.LogicalId} has inline code but no Runtime; set a nodejs or python runtime.");
            }
            else if (runtime is not null && !runtime.StartsWith("nodejs", StringComparison.Ordinal) && !runtime.StartsWith("python", StringComparison.Ordinal))
            {
                context.Report(function, "Properties/Runtime", runtimeNode,
                    $"function {function.LogicalId} has inline code but runtime {runtime}; inline code works only with Node.js and Python runtimes. Use one, or package the code.");
            }
        }
    }
}
