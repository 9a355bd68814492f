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
        var preflight = Existing(resource);
        var suppress = preflight.TryGetValue("suppress", out var current) && current is object[] list ? list.ToList() : [];
        suppress.Add(new Dictionary<string, object> { ["id"] = ruleId, ["reason"] = reason });
        preflight["suppress"] = suppress.ToArray();
        resource.AddMetadata("preflight", preflight);
    }

    /// <summary>
    /// States which repository's images a pipeline releases into which services (<c>Metadata.preflight.release</c>),
    /// so preflight's PF220 checks those links instead of guessing them.
    /// </summary>
    public static void StateReleaseLinks(CfnResource pipeline, IEnumerable<(string Repository, IReadOnlyList<string> Services)> links)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var preflight = Existing(pipeline);
        preflight["release"] = links.Select(l => (object)new Dictionary<string, object> { ["repository"] = l.Repository, ["services"] = l.Services.ToArray() }).ToArray();
        pipeline.AddMetadata("preflight", preflight);
    }

    private static Dictionary<string, object> Existing(CfnResource resource) =>
        resource.GetMetadata("preflight") is IDictionary<string, object> existing ? new Dictionary<string, object>(existing) : [];
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
