using Payments.Preflight.Data;
using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Iam;

/// <summary>
/// An AWS managed policy ARN whose name is not in preflight's data and is not a known retirement or near-miss (PF201).
/// AWS adds managed policies every month, so a name newer than the data must not block a deploy: a warning.
/// </summary>
internal sealed class UnknownManagedPolicy : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.UnknownManagedPolicy, Severity.Warning,
        "AWS managed policy not in preflight's data",
        "The ARN names an AWS managed policy that preflight's list (taken from cfn-lint's data) does not contain. If the name is wrong, attaching it fails the role after the stack has started (\"Policy … does not exist or is not attachable\"); if AWS created the policy after the data was taken, it is fine.",
        "Check the name (and its path, e.g. service-role/) in the IAM console or `aws iam get-policy`. If it exists, refresh the data (docs/preflight.md) or suppress the finding with that reason.",
        "001",
        """
        Resources:
          Role:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: lambda.amazonaws.com }
                    Action: sts:AssumeRole
              ManagedPolicyArns:
                - arn:aws:iam::aws:policy/PaymentsTeamInventedPolicy
        """,
        """
        Resources:
          Role:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: lambda.amazonaws.com }
                    Action: sts:AssumeRole
              ManagedPolicyArns:
                - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (holder, path, node, name) in ManagedPolicyExists.AwsManagedPolicies(context))
        {
            if (!PreflightData.ManagedPolicies.Contains(name) && ManagedPolicyExists.Classify(name) is null)
            {
                context.Report(holder, path, node,
                    $"AWS managed policy '{Excerpt.Of(name)}' is not in preflight's data (of {PreflightData.Retrieved("managed-policies.json")}); if it does not exist, attaching it fails the deploy. Check the name and path.");
            }
        }
    }
}
