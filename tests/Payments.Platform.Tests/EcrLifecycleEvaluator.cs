using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Payments.Platform.Tests;

/// <summary>An image in a repository: its tags (none when untagged) and when it was pushed.</summary>
public sealed record EcrImage(string Name, IReadOnlyList<string> Tags, DateTimeOffset PushedAt);

/// <summary>One rule of an ECR lifecycle policy (<c>selection</c> + <c>action: expire</c>).</summary>
public sealed record EcrLifecycleRule(
    int Priority,
    string TagStatus,
    IReadOnlyList<string> TagPrefixes,
    IReadOnlyList<string> TagPatterns,
    string CountType,
    int CountNumber)
{
    /// <summary>Whether the rule's tag requirements select the image; every listed prefix or pattern must match some tag.</summary>
    public bool Selects(EcrImage image) => TagStatus switch
    {
        "untagged" => image.Tags.Count == 0,
        "any" => true,
        "tagged" => image.Tags.Count > 0
            && TagPrefixes.All(prefix => image.Tags.Any(tag => tag.StartsWith(prefix, StringComparison.Ordinal)))
            && TagPatterns.All(pattern => image.Tags.Any(tag => Wildcard(pattern).IsMatch(tag))),
        _ => throw new InvalidOperationException($"unknown tagStatus '{TagStatus}'"),
    };

    private static Regex Wildcard(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.Singleline, TimeSpan.FromSeconds(1));
}

/// <summary>
/// Evaluates an ECR lifecycle policy the way the ECR user guide documents it ("Lifecycle policy evaluation
/// rules"): rules in ascending <c>rulePriority</c>; a rule identifies every image its tag requirements select,
/// including images earlier rules already identified, and counts them (<c>imageCountMoreThan</c> keeps the
/// newest N by push time; <c>sinceImagePushed</c> expires those pushed more than N days ago); but an image that
/// a higher-priority rule selected can never be expired by a lower-priority one, so each image is expired by
/// at most one rule. Invalid policies (which ECR rejects) throw.
/// </summary>
public sealed class EcrLifecycleEvaluator
{
    public IReadOnlyList<EcrLifecycleRule> Rules { get; }

    public EcrLifecycleEvaluator(IEnumerable<EcrLifecycleRule> rules)
    {
        Rules = [.. rules.OrderBy(rule => rule.Priority)];
        Validate();
    }

    /// <summary>Parses the JSON policy text (<c>{"rules":[...]}</c>), e.g. a template's <c>LifecyclePolicyText</c>.</summary>
    public static EcrLifecycleEvaluator Parse(string policyText)
    {
        var rules = JsonNode.Parse(policyText)!["rules"]!.AsArray().Select(rule =>
        {
            var selection = rule!["selection"]!;
            if (rule["action"]?["type"]?.GetValue<string>() != "expire")
            {
                throw new InvalidOperationException($"rule {rule["rulePriority"]}: only the expire action is modelled");
            }
            var countType = selection["countType"]!.GetValue<string>();
            if (countType == "sinceImagePushed" && selection["countUnit"]?.GetValue<string>() != "days")
            {
                throw new InvalidOperationException($"rule {rule["rulePriority"]}: sinceImagePushed needs countUnit days");
            }
            return new EcrLifecycleRule(
                rule["rulePriority"]!.GetValue<int>(),
                selection["tagStatus"]!.GetValue<string>(),
                Strings(selection["tagPrefixList"]),
                Strings(selection["tagPatternList"]),
                countType,
                selection["countNumber"]!.GetValue<int>());
        });
        return new EcrLifecycleEvaluator(rules);
    }

    /// <summary>Names of the images the policy expires when evaluated at <paramref name="now"/>.</summary>
    public IReadOnlySet<string> Expired(IReadOnlyList<EcrImage> images, DateTimeOffset now)
    {
        var identified = new HashSet<string>(StringComparer.Ordinal);
        var expired = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in Rules)
        {
            var selected = images.Where(rule.Selects).ToList();
            var candidates = rule.CountType switch
            {
                "imageCountMoreThan" => selected.OrderByDescending(image => image.PushedAt).Skip(rule.CountNumber),
                "sinceImagePushed" => selected.Where(image => now - image.PushedAt > TimeSpan.FromDays(rule.CountNumber)),
                _ => throw new InvalidOperationException($"unknown countType '{rule.CountType}'"),
            };
            expired.UnionWith(candidates.Where(image => !identified.Contains(image.Name)).Select(image => image.Name));
            identified.UnionWith(selected.Select(image => image.Name));
        }
        return expired;
    }

    private void Validate()
    {
        if (Rules.Select(rule => rule.Priority).Distinct().Count() != Rules.Count)
        {
            throw new InvalidOperationException("rulePriority values must be unique");
        }
        if (Rules.Count(rule => rule.TagStatus == "untagged") > 1)
        {
            throw new InvalidOperationException("only one rule may select untagged images");
        }
        if (Rules.Any(rule => rule.TagStatus == "any") && Rules[^1].TagStatus != "any")
        {
            throw new InvalidOperationException("a tagStatus any rule must have the highest rulePriority");
        }
        foreach (var rule in Rules)
        {
            var lists = (rule.TagPrefixes.Count > 0 ? 1 : 0) + (rule.TagPatterns.Count > 0 ? 1 : 0);
            if (rule.TagStatus == "tagged" && lists != 1)
            {
                throw new InvalidOperationException($"rule {rule.Priority}: tagged needs exactly one of tagPrefixList and tagPatternList");
            }
            if (rule.TagStatus != "tagged" && lists != 0)
            {
                throw new InvalidOperationException($"rule {rule.Priority}: tag lists only go with tagStatus tagged");
            }
            if (rule.TagPatterns.Any(pattern => pattern.Count(c => c == '*') > 4))
            {
                throw new InvalidOperationException($"rule {rule.Priority}: at most four wildcards per tag pattern");
            }
            if (rule.CountNumber < 1)
            {
                throw new InvalidOperationException($"rule {rule.Priority}: countNumber must be at least 1");
            }
        }
    }

    private static List<string> Strings(JsonNode? node) => node is null ? [] : [.. node.AsArray().Select(item => item!.GetValue<string>())];
}
