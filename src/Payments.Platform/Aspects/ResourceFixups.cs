using Amazon.CDK;
using Constructs;

namespace Payments.Platform.Aspects;

/// <summary>One change to a synthesized L1 resource, applied by <see cref="ResourceFixups.Apply"/>.</summary>
public interface IResourceFixup
{
    void Fix(CfnResource resource);
}

/// <summary>
/// Applies fixups to every <see cref="CfnResource"/> under a scope in one pass, once the scope is fully
/// composed. Not CDK aspects: an aspect costs a JS-to-.NET callback for every construct it visits plus a
/// jsii round trip for every property it reads (docs/architecture.md). Here the tree is fetched with one
/// <c>FindAll</c> call, the type tests are local .NET type checks, and only the few candidate resources
/// have properties read.
/// </summary>
public static class ResourceFixups
{
    /// <summary>
    /// Call after the last construct under <paramref name="scope"/> is created (an aspect would also see
    /// constructs added later). Fixups run per resource in the order given, resources in pre-order, as
    /// the aspects did.
    /// </summary>
    public static void Apply(IConstruct scope, params IResourceFixup[] fixups)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(fixups);
        foreach (var construct in scope.Node.FindAll(ConstructOrder.PREORDER))
        {
            if (construct is CfnResource resource)
            {
                foreach (var fixup in fixups)
                {
                    fixup.Fix(resource);
                }
            }
        }
    }

    /// <summary>
    /// True for a resource whose CloudFormation type is not known from its .NET type: a raw
    /// <see cref="CfnResource"/> (CDK's own custom-resource providers emit those). Generated L1 classes
    /// (CfnBucket, CfnFunction, ...) each have one fixed type, so their type never needs a jsii read.
    /// </summary>
    public static bool IsUntypedResource(CfnResource resource) =>
        resource.GetType() == typeof(CfnResource);
}
