using Amazon.CDK;
using Payments.Platform.Environments;

namespace Payments.Platform.Aspects;

/// <summary>
/// Writes preflight suppressions (template <c>Metadata.preflight.suppress</c>, a reason each) for
/// findings that are deliberate in our design. Each one is narrow: one rule, the resources it is
/// about, and only in the environments where the design choice applies.
/// </summary>
public static class PreflightSuppressions
{
    public const string RetainedFixedName = "PF604";
    public const string HttpWithoutRedirect = "PF807";
    public const string NatCostOutsideProduction = "PF901";
    public const string MustExistFirst = "PF701";

    public static void Suppress(CfnResource resource, string ruleId, string reason)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (reason.Length < 10)
        {
            throw new ArgumentException($"suppression of {ruleId} needs a real reason, got '{reason}'", nameof(reason));
        }
        var existing = resource.GetMetadata("preflight") as IDictionary<string, object>;
        var suppress = existing?["suppress"] is object[] list ? list.ToList() : [];
        suppress.Add(new Dictionary<string, object> { ["id"] = ruleId, ["reason"] = reason });
        resource.AddMetadata("preflight", new Dictionary<string, object> { ["suppress"] = suppress.ToArray() });
    }
}

/// <summary>
/// Prod keeps its data on stack deletion, under the names every other system knows (log groups,
/// repository, secrets). A re-create would collide with them, which is why prod has termination
/// protection and the re-create path adopts them with <c>cdk import</c> (docs/architecture.md).
/// </summary>
public sealed class RetainedNamesAreDeliberate(EnvironmentConfig environment) : IResourceFixup
{
    public const string Reason =
        "prod keeps its data under stable names on purpose; the stack has termination protection and a re-create adopts retained resources with cdk import (docs/architecture.md)";

    public void Fix(CfnResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        // IsProduction first: outside prod no resource's options are read over jsii at all.
        if (environment.IsProduction && resource.CfnOptions.DeletionPolicy == CfnDeletionPolicy.RETAIN)
        {
            PreflightSuppressions.Suppress(resource, PreflightSuppressions.RetainedFixedName, Reason);
        }
    }
}
