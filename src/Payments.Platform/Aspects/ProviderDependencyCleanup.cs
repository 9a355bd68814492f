using Amazon.CDK;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Payments.Platform.Aspects;

/// <summary>
/// CDK's custom-resource provider functions (e.g. S3 auto-delete) carry a <c>DependsOn</c> on their
/// role next to a <c>Fn::GetAtt</c> of the same role; cfn-lint flags the duplicate (W3005). The
/// GetAtt already orders creation, so the explicit dependency is dropped instead of ignoring the rule.
/// </summary>
public sealed class ProviderDependencyCleanup : DeputyBase, IAspect
{
    public void Visit(IConstruct node)
    {
        if (node is CfnResource { CfnResourceType: "AWS::Lambda::Function" } resource
            && resource is not Amazon.CDK.AWS.Lambda.CfnFunction
            && resource.Node.Id == "Handler"
            && resource.Node.Scope?.Node.TryFindChild("Role") is CfnResource)
        {
            resource.AddDeletionOverride("DependsOn");
        }
    }
}
