using Amazon.CDK;

namespace Payments.Platform.Aspects;

/// <summary>
/// CDK's custom-resource provider functions (e.g. S3 auto-delete) carry a <c>DependsOn</c> on their
/// role next to a <c>Fn::GetAtt</c> of the same role; cfn-lint flags the duplicate (W3005). The
/// GetAtt already orders creation, so the explicit dependency is dropped instead of ignoring the rule.
/// </summary>
public sealed class ProviderDependencyCleanup : IResourceFixup
{
    public void Fix(CfnResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        // The provider's function is a raw CfnResource (a CfnFunction is a function we wrote).
        if (ResourceFixups.IsUntypedResource(resource)
            && resource.CfnResourceType == "AWS::Lambda::Function"
            && resource.Node.Id == "Handler"
            && resource.Node.Scope?.Node.TryFindChild("Role") is CfnResource)
        {
            resource.AddDeletionOverride("DependsOn");
        }
    }
}
