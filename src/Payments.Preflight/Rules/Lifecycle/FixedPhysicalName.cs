using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Lifecycle;

internal sealed class FixedPhysicalName : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.FixedPhysicalName, Severity.Warning,
        "Fixed physical name without an environment part",
        "A hard-coded name (BucketName, RepositoryName, LogGroupName, RoleName, …) is the same in every environment and every copy of the stack. The second environment, a blue/green copy, or a redeploy after a failed delete fails with \"… already exists\", and any change that replaces the resource fails too (CloudFormation cannot create the replacement under the same name).",
        "Leave the name out (CloudFormation generates a unique one), or build it from the environment: `!Sub \"payments-${Environment}-artifacts\"` / `$\"payments-{env.Name}-artifacts\"`.",
        "001, 003, 004",
        """
        Resources:
          Repository:
            Type: AWS::ECR::Repository
            Properties:
              RepositoryName: payment-processor-repo
              EmptyOnDelete: true
        """,
        """
        Parameters:
          Environment:
            Type: String
        Resources:
          Repository:
            Type: AWS::ECR::Repository
            Properties:
              RepositoryName: !Sub payment-processor-repo-${Environment}
              EmptyOnDelete: true
        """);

    public override void Check(RuleContext context)
    {
        foreach (var resource in context.Template.Resources.Values)
        {
            foreach (var (property, node, name) in PhysicalNames.FixedNames(context, resource))
            {
                if (!PhysicalNames.HasEnvironmentPart(context, name))
                {
                    context.Report(resource, $"Properties/{property}", node,
                        $"{resource.LogicalId} has the fixed {property} '{Excerpt.Of(name)}' with no environment part; a second environment, a replacement or a redeploy after a failed delete fails with \"already exists\". Omit the name or include the environment.");
                }
            }
        }
    }
}
