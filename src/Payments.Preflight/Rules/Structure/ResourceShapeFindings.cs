using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Structure;

/// <summary>Reports one kind of <see cref="ShapeIssue"/>: the template is compared with the schemas once, each shape rule takes its kind.</summary>
internal static class ResourceShapeFindings
{
    public static void Report(RuleContext context, ShapeIssueKind kind)
    {
        foreach (var issue in ResourceShapes.Issues(context.Template))
        {
            if (issue.Kind == kind)
            {
                context.Report(issue.Resource, issue.Path, issue.Node, issue.Message);
            }
        }
    }
}
