using System.Text.RegularExpressions;

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

    public static EnvironmentInfo Detect(string? optionEnvironment, IReadOnlyDictionary<string, string> stackTags, string? stackName, string templatePath)
    {
        if (!string.IsNullOrWhiteSpace(optionEnvironment))
        {
            return new(optionEnvironment, Classify(optionEnvironment), "--environment");
        }

        // "Environment", "env", "stage", and namespaced keys such as "payments:environment" or "app/stage".
        foreach (var (key, value) in stackTags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var lastSegment = key[(key.LastIndexOfAny([':', '/', '.']) + 1)..];
            if (EnvironmentTagKeys.Contains(lastSegment, StringComparer.OrdinalIgnoreCase) && Classify(value) is { } production)
            {
                return new(value, production, $"stack tag {key}");
            }
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

    /// <summary>Splits "PaymentsDev-api_stack" into payments, dev, api, stack.</summary>
    public static IEnumerable<string> Tokens(string name) =>
        WordBoundary().Split(name).Where(t => t.Length > 0).Select(t => t.ToLowerInvariant());

    [GeneratedRegex(@"^pr\d+$")]
    private static partial Regex PullRequestToken();

    [GeneratedRegex(@"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")]
    private static partial Regex WordBoundary();
}
