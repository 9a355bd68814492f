using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;

namespace Payments.Platform.Aspects;

/// <summary>
/// Raises every Node.js Lambda runtime below <see cref="Minimum"/> to it, CDK's own
/// custom-resource providers included: CDK 2.160 synthesizes those (S3 auto-delete, ECR
/// empty-on-delete) with <c>nodejs20.x</c>, whose function creation AWS is blocking. The floor is
/// the newest Node.js Lambda runtime (cdk-nag AwsSolutions-L1), so no function starts out on one
/// already counting down to deprecation.
/// </summary>
public sealed class NodeRuntimeFloor : IResourceFixup
{
    public const string Minimum = "nodejs24.x";
    private const int MinimumMajor = 24;

    public void Fix(CfnResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource is CfnFunction function)
        {
            if (IsOutdatedNode(function.Runtime))
            {
                function.Runtime = Minimum;
            }
        }
        // CDK's CustomResourceProvider emits a raw CfnResource of the Lambda type; its runtime is
        // always Node.js and cannot be read back, so it is set unconditionally.
        else if (ResourceFixups.IsUntypedResource(resource) && resource.CfnResourceType == "AWS::Lambda::Function")
        {
            resource.AddPropertyOverride("Runtime", Minimum);
        }
    }

    public static bool IsOutdatedNode(string? runtime)
    {
        if (runtime is null || !runtime.StartsWith("nodejs", StringComparison.Ordinal))
        {
            return false;
        }
        var version = runtime["nodejs".Length..].Split('.')[0];
        return !int.TryParse(version, out var major) || major < MinimumMajor;
    }
}
