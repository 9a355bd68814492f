using System.Text.RegularExpressions;
using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Lambda;

internal sealed class LambdaInlineHandler : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LambdaInlineHandler, Severity.Error,
        "Inline Lambda handler must be index.<function> and the function must be defined",
        "Inline code is saved as `index.js`/`index.py`, so the handler must be `index.<name>`, and `<name>` must be exported (Node.js) or defined (Python). Otherwise every invocation fails with \"Runtime.HandlerNotFound\". Creating the function still succeeds, so this is a warning; it is an error for a function that backs a custom resource of the same template (CloudFormation invokes it during the deploy, and the stack hangs for an hour waiting for a response).",
        "Set `Handler: index.<name>` and define/export that function in the inline code.",
        "004",
        """
        Resources:
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
              Handler: lambda_function.lambda_handler
              Role: arn:aws:iam::123456789012:role/lambda
              Code:
                ZipFile: |
                  def handler(event, context):
                      return {"statusCode": 200}
          Setup:
            Type: Custom::Setup
            Properties:
              ServiceToken: !GetAtt Function.Arn
        """,
        """
        Resources:
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              Role: arn:aws:iam::123456789012:role/lambda
              Code:
                ZipFile: |
                  def handler(event, context):
                      return {"statusCode": 200}
        """);

    public override void Check(RuleContext context)
    {
        HashSet<string>? invoked = null;
        foreach (var function in LambdaModel.Functions(context))
        {
            if (LambdaModel.InlineCode(context, function) is not { } inline || function.Property("Handler") is not { } handlerNode || context.Resolve.String(handlerNode) is not { } handler)
            {
                continue;
            }

            var runtime = context.Resolve.String(function.Property("Runtime"));
            invoked ??= LambdaModel.InvokedByCloudFormation(context);
            var (severity, consequence) = invoked.Contains(function.LogicalId)
                ? (Severity.Error, " It backs a custom resource, so the deploy fails: CloudFormation waits an hour for a response that never comes.")
                : (Severity.Warning, " Creating the function succeeds; its invocations fail.");
            var dot = handler.LastIndexOf('.');
            var module = dot < 0 ? handler : handler[..dot];
            var name = dot < 0 ? string.Empty : handler[(dot + 1)..];
            if (module != "index" || name.Length == 0)
            {
                context.Report(function, "Properties/Handler", handlerNode,
                    $"handler '{Excerpt.Of(handler)}' of function {function.LogicalId} does not name the inline module: inline code is saved as index.{(runtime?.StartsWith("python", StringComparison.Ordinal) == true ? "py" : "js")}, so the handler must be index.<function>{(inline.Text is { } t && FirstDefinition(t, runtime) is { } found ? $" (the code defines {found}: use index.{found})" : string.Empty)}.{consequence}", severity);
                continue;
            }

            if (inline.Text is { } code && runtime is not null && !Defines(code, name, runtime))
            {
                context.Report(function, "Properties/Handler", handlerNode,
                    $"handler '{Excerpt.Of(handler)}' of function {function.LogicalId} names '{Excerpt.Of(name)}', which the inline code does not {(runtime.StartsWith("python", StringComparison.Ordinal) ? "define" : "export")}; every invocation fails with Runtime.HandlerNotFound.{(FirstDefinition(code, runtime) is { } found ? $" The code defines {found}." : string.Empty)}{consequence}", severity);
            }
        }
    }

    internal static bool Defines(string code, string name, string runtime)
    {
        var escaped = Regex.Escape(name);
        if (runtime.StartsWith("python", StringComparison.Ordinal))
        {
            // def name(…), name = …, or imported: from x import name / from x import a as name.
            return Regex.IsMatch(code, $@"(?m)^\s*(?:async\s+)?def\s+{escaped}\s*\(|^\s*{escaped}\s*=|^\s*from\s+\S+\s+import\s+[^\n]*\b{escaped}\b", RegexOptions.None, TimeSpan.FromSeconds(1));
        }

        // module.exports built in a way the patterns below do not follow (Object.assign, an object literal with
        // nested braces): a name that appears in such code may be exported, so it is unknown rather than missing.
        if (runtime.StartsWith("nodejs", StringComparison.Ordinal)
            && code.Contains("module.exports", StringComparison.Ordinal)
            && Regex.IsMatch(code, $@"\b{escaped}\b", RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            return true;
        }

        if (runtime.StartsWith("nodejs", StringComparison.Ordinal))
        {
            return Regex.IsMatch(code,
                $@"exports\s*\.\s*{escaped}\s*=|exports\s*\[\s*['""]{escaped}['""]\s*\]\s*=|module\.exports\s*=\s*\{{[^}}]*\b{escaped}\b|export\s+(?:async\s+)?(?:function\*?|const|let|var)\s+{escaped}\b|export\s*\{{[^}}]*\b{escaped}\b",
                RegexOptions.None, TimeSpan.FromSeconds(1));
        }

        return true;
    }

    private static string? FirstDefinition(string code, string? runtime)
    {
        var pattern = runtime?.StartsWith("python", StringComparison.Ordinal) == true
            ? @"(?m)^\s*(?:async\s+)?def\s+(\w+)\s*\("
            : @"exports\s*\.\s*(\w+)\s*=|export\s+(?:async\s+)?(?:function|const)\s+(\w+)";
        var match = Regex.Match(code, pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        return match.Success ? (match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value) : null;
    }
}
