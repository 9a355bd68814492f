using System.Text.RegularExpressions;
using Payments.Preflight.Model;

namespace Payments.Preflight.Engine;

/// <summary>Which environment a stack deploys to, when that can be told; null means unknown.</summary>
internal sealed partial record EnvironmentInfo(string? Name, bool? IsProduction, string Source)
{
    private static readonly string[] EnvironmentTagKeys = ["Environment", "Env", "Stage"];

    public static EnvironmentInfo Unknown { get; } = new(null, null, "unknown");

    public bool IsKnownNonProduction => IsProduction == false;

    public static bool? Classify(string name)
    {
        foreach (var token in Tokens(name))
        {
            switch (token)
            {
                case "prod" or "production" or "prd" or "live":
                    return true;
                case "dev" or "development" or "test" or "testing" or "qa" or "staging" or "stage" or "stg" or "sandbox" or "sbx" or "preview" or "demo" or "uat" or "feature" or "nonprod" or "ci" or "local":
                    return false;
                default:
                    if (PullRequestToken().IsMatch(token))
                    {
                        return false;
                    }

                    break;
            }
        }

        return null;
    }

    public static EnvironmentInfo Detect(string? optionEnvironment, IReadOnlyDictionary<string, string> stackTags, string? stackName, string templatePath, IEnumerable<Resource>? resources = null)
    {
        if (!string.IsNullOrWhiteSpace(optionEnvironment))
        {
            return new(optionEnvironment, Classify(optionEnvironment), "--environment");
        }

        // "Environment", "env", "stage", and namespaced keys such as "payments:environment" or "app/stage".
        foreach (var (key, value) in stackTags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (IsEnvironmentKey(key) && Classify(value) is { } production)
            {
                return new(value, production, $"stack tag {key}");
            }
        }

        // Hand-written templates and most tools tag the resources instead; they must agree, or it is unknown.
        if (resources is not null && ResourceTags(resources) is { } fromResources)
        {
            return fromResources;
        }

        foreach (var candidate in new[] { stackName, Path.GetFileNameWithoutExtension(templatePath) })
        {
            if (candidate is not null && Classify(candidate) is { } production)
            {
                var token = Tokens(candidate).First(t => Classify(t) is not null);
                return new(token, production, "stack name");
            }
        }

        return Unknown;
    }

    /// <summary>"Environment", "env", "stage" in any case, and namespaced keys such as "payments:environment" or "app/stage".</summary>
    private static bool IsEnvironmentKey(string key) =>
        EnvironmentTagKeys.Contains(key[(key.LastIndexOfAny([':', '/', '.']) + 1)..], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The environment the resources' literal tags name (`Tags: [{Key, Value}]` or a `Tags` map, as SAM and some
    /// resource types use): null when none names one, <see cref="Unknown"/> when two resources name different ones.
    /// </summary>
    private static EnvironmentInfo? ResourceTags(IEnumerable<Resource> resources)
    {
        EnvironmentInfo? found = null;
        foreach (var resource in resources)
        {
            foreach (var (key, value) in LiteralTags(resource.Property("Tags")))
            {
                if (!IsEnvironmentKey(key) || Classify(value) is not { } production)
                {
                    continue;
                }

                if (found is null)
                {
                    found = new(value, production, $"tag {key} of resource {resource.LogicalId}");
                }
                else if (!string.Equals(found.Name, value, StringComparison.OrdinalIgnoreCase))
                {
                    return Unknown with { Source = $"resource tags disagree ({found.Name} and {value})" };
                }
            }
        }

        return found;
    }

    private static IEnumerable<(string Key, string Value)> LiteralTags(Node? tags)
    {
        switch (tags)
        {
            case SequenceNode list:
                foreach (var item in list.Items)
                {
                    if (item is MappingNode tag && tag["Key"] is ScalarNode key && tag["Value"] is ScalarNode value)
                    {
                        yield return (key.Value, value.Value);
                    }
                }

                break;
            case MappingNode map when map.IntrinsicName is null:
                foreach (var (key, value) in map.Entries)
                {
                    if (value is ScalarNode scalar)
                    {
                        yield return (key, scalar.Value);
                    }
                }

                break;
        }
    }

    /// <summary>Splits "PaymentsDev-api_stack" into payments, dev, api, stack.</summary>
    public static IEnumerable<string> Tokens(string name) =>
        WordBoundary().Split(name).Where(t => t.Length > 0).Select(t => t.ToLowerInvariant());

    [GeneratedRegex(@"^pr\d+$")]
    private static partial Regex PullRequestToken();

    [GeneratedRegex(@"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")]
    private static partial Regex WordBoundary();
}
