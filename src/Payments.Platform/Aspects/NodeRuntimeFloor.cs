using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Payments.Platform.Aspects;

/// <summary>
/// Raises every Node.js Lambda runtime below <see cref="Minimum"/> to it, CDK's own
/// custom-resource providers included: CDK 2.160 synthesizes those (S3 auto-delete, ECR
/// empty-on-delete) with <c>nodejs20.x</c>, whose function creation AWS is blocking.
/// </summary>
public sealed class NodeRuntimeFloor : DeputyBase, IAspect
{
    public const string Minimum = "nodejs22.x";
    private const int MinimumMajor = 22;

    public void Visit(IConstruct node)
    {
        switch (node)
        {
            case CfnFunction function when IsOutdatedNode(function.Runtime):
                function.Runtime = Minimum;
                break;
            // CDK's CustomResourceProvider emits a raw CfnResource of the Lambda type; its runtime is
            // always Node.js and cannot be read back, so it is set unconditionally.
            case CfnResource resource when resource is not CfnFunction && resource.CfnResourceType == "AWS::Lambda::Function":
                resource.AddPropertyOverride("Runtime", Minimum);
                break;
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
