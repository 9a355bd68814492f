using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Lambda;

internal static class LambdaModel
{
    /// <summary>Lambda functions, CDK's own custom-resource providers included (they are plain AWS::Lambda::Function resources), and SAM functions.</summary>
    public static IEnumerable<Resource> Functions(RuleContext context) =>
        context.Template.Resources.Values.Where(r => r.Type is "AWS::Lambda::Function" or "AWS::Serverless::Function");

    /// <summary>
    /// Functions CloudFormation itself invokes while deploying this template: the ServiceToken of a custom resource
    /// (`Custom::*`, `AWS::CloudFormation::CustomResource`) points at them. A broken handler there fails the deploy.
    /// </summary>
    public static HashSet<string> InvokedByCloudFormation(RuleContext context)
    {
        var invoked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in context.Template.Resources.Values)
        {
            if ((resource.Type.StartsWith("Custom::", StringComparison.Ordinal) || resource.Type == "AWS::CloudFormation::CustomResource")
                && context.Resolve.ResourceTarget(resource.Property("ServiceToken")) is { } target)
            {
                invoked.Add(target);
            }
        }

        return invoked;
    }

    /// <summary>The inline source (Code.ZipFile / InlineCode), null when there is none or it cannot be resolved.</summary>
    public static (Node Node, string? Text)? InlineCode(RuleContext context, Resource function)
    {
        var node = function.Type == "AWS::Serverless::Function"
            ? function.Property("InlineCode")
            : (function.Property("Code") as MappingNode)?["ZipFile"];
        return node is null ? null : (node, context.Resolve.String(node) ?? JoinLiteralParts(node));
    }

    /// <summary>CDK often splits inline code into Fn::Join parts around tokens; the literal parts are enough to find function definitions.</summary>
    private static string? JoinLiteralParts(Node node) =>
        node is MappingNode { IntrinsicName: "Fn::Join" } join && join["Fn::Join"] is SequenceNode { Items.Count: 2 } args && args.Items[1] is SequenceNode parts
            ? string.Concat(parts.Items.OfType<ScalarNode>().Select(p => p.Value))
            : null;
}
