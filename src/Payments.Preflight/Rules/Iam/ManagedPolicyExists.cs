using System.Text.RegularExpressions;
using Payments.Preflight.Data;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Iam;

internal sealed partial class ManagedPolicyExists : Rule
{
    private static readonly string[] PolicyHolders = ["AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"];

    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.ManagedPolicyExists, Severity.Error,
        "AWS managed policy ARNs must name policies that exist",
        "AWS retires and renames managed policies (e.g. AWSCodePipelineFullAccess became AWSCodePipeline_FullAccess). Attaching one that does not exist fails the role: \"Policy arn:aws:iam::aws:policy/… does not exist or is not attachable\".",
        "Use a current AWS managed policy (Data/managed-policies.json lists them, with their path such as service-role/), or better a least-privilege inline policy.",
        "001",
        """
        Resources:
          PipelineRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: codepipeline.amazonaws.com }
                    Action: sts:AssumeRole
              ManagedPolicyArns:
                - arn:aws:iam::aws:policy/AWSCodePipelineFullAccess
        """,
        """
        Resources:
          PipelineRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: codepipeline.amazonaws.com }
                    Action: sts:AssumeRole
              ManagedPolicyArns:
                - !Sub arn:${AWS::Partition}:iam::aws:policy/AWSCodePipeline_FullAccess
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (holder, path, node, name) in AwsManagedPolicies(context))
        {
            if (Classify(name) is { } problem)
            {
                context.Report(holder, path, node,
                    $"AWS managed policy '{Excerpt.Of(name)}' does not exist (data of {PreflightData.Retrieved("managed-policies.json")}); attaching it fails the deploy. {problem}");
            }
        }
    }

    /// <summary>The AWS managed policy ARNs attached to roles, users and groups, with the policy name (and path) each names.</summary>
    internal static IEnumerable<(Resource Holder, string Path, Node Node, string Name)> AwsManagedPolicies(RuleContext context)
    {
        foreach (var resource in context.Template.Resources.Values.Where(r => PolicyHolders.Contains(r.Type)))
        {
            var arns = Resolver.Items(resource.Property("ManagedPolicyArns"));
            for (var i = 0; i < arns.Count; i++)
            {
                if (context.Resolve.String(arns[i]) is { } arn && AwsManagedArn().Match(arn) is { Success: true } match)
                {
                    yield return (resource, $"Properties/ManagedPolicyArns/{i}", arns[i], match.Groups["name"].Value);
                }
            }
        }
    }

    /// <summary>
    /// Why a policy name surely fails, or null. Sure means: retired, present under another path, or a near-identical
    /// name exists (AWSLambdaFullAccess vs AWSLambda_FullAccess). A name merely missing from the data may be newer
    /// than the data: PF204 warns about it instead.
    /// </summary>
    internal static string? Classify(string name)
    {
        if (PreflightData.ManagedPolicies.Contains(name))
        {
            return null;
        }

        var baseName = name[(name.LastIndexOf('/') + 1)..];
        if (PreflightData.RetiredManagedPolicies.TryGetValue(baseName, out var replacement))
        {
            return $"It was retired or never existed: use {replacement}.";
        }

        var samePolicyOtherPath = PreflightData.ManagedPolicies.FirstOrDefault(p => p.EndsWith("/" + baseName, StringComparison.Ordinal) || p == baseName);
        if (samePolicyOtherPath is not null)
        {
            return $"It exists as arn:aws:iam::aws:policy/{samePolicyOtherPath} (mind the path).";
        }

        return Similar(baseName) is { } similar ? $"Did you mean {similar}?" : null;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> SimilarCache = new(StringComparer.Ordinal);

    private static string? Similar(string name) => SimilarCache.GetOrAdd(name, FindSimilar);

    private static string? FindSimilar(string name)
    {
        var normalized = Normalize(name);
        return PreflightData.ManagedPolicies.Select(p => (Policy: p, Base: p[(p.LastIndexOf('/') + 1)..]))
            .Where(p => Normalize(p.Base) == normalized || (normalized.Length > 8 && Normalize(p.Base).StartsWith(normalized, StringComparison.Ordinal)))
            .Select(p => p.Policy)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static string Normalize(string name) => name.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    [GeneratedRegex(@"^arn:aws(?:-cn|-us-gov)?:iam::aws:policy/(?<name>.+)$")]
    private static partial Regex AwsManagedArn();
}
