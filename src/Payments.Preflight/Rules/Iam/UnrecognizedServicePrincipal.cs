using Payments.Preflight.Data;
using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Iam;

/// <summary>
/// A well-formed service principal (…amazonaws.com) that preflight's data does not list. It may be a typo (then
/// role creation fails with "Invalid principal in policy") or a service newer than the data, so it is a warning.
/// </summary>
internal sealed class UnrecognizedServicePrincipal : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.UnrecognizedServicePrincipal, Severity.Warning,
        "Service principal not in preflight's data",
        "The trust policy names a service principal that is neither an IAM service prefix nor a documented principal in preflight's data. If it is a typo, creating the role fails with \"Invalid principal in policy\" after the stack has started; if it is a service newer than the data, the role is fine.",
        "Check the principal in the service's documentation. If it is right, add it to `src/Payments.Preflight/Data/service-principals.json` (with its source) or suppress the finding with that reason.",
        "004",
        """
        Resources:
          Role:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-taks.amazonaws.com }
                    Action: sts:AssumeRole
        """,
        """
        Resources:
          Role:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-tasks.amazonaws.com }
                    Action: sts:AssumeRole
        """);

    public override void Check(RuleContext context)
    {
        foreach (var role in context.Template.OfType("AWS::IAM::Role"))
        {
            var statements = ServicePrincipalExists.Statements(role.Property("AssumeRolePolicyDocument"));
            foreach (var (node, name) in ServicePrincipalExists.TrustedServices(context, statements))
            {
                if (name is not null && ServicePrincipalExists.Classify(name) == ServicePrincipalExists.PrincipalKind.Unrecognized)
                {
                    context.Report(role, "Properties/AssumeRolePolicyDocument", node,
                        $"'{Excerpt.Of(name)}' is not a service principal preflight knows (data of {PreflightData.Retrieved("service-principals.json")}); if it is a typo, creating role {role.LogicalId} fails with \"Invalid principal in policy\". Check the service's documentation.");
                }
            }
        }
    }
}
