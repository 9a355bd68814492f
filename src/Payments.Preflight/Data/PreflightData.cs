using System.Text.Json;

namespace Payments.Preflight.Data;

/// <summary>
/// The dated facts the rules compare templates with, embedded from Data/*.json (see docs/preflight.md for
/// where each comes from and how to refresh it). Read with JsonDocument so the tool stays trimmable/AOT-safe.
/// </summary>
internal static class PreflightData
{
    private static readonly Lazy<IReadOnlyDictionary<string, LambdaRuntime>> LambdaRuntimesLazy = new(LoadLambdaRuntimes);
    private static readonly Lazy<HashSet<string>> ManagedPoliciesLazy = new(() => StringSet("managed-policies.json", "policies", StringComparer.Ordinal));
    private static readonly Lazy<HashSet<string>> ServicePrincipalsLazy = new(LoadServicePrincipals);
    private static readonly Lazy<IReadOnlyDictionary<string, string>> RetiredManagedPoliciesLazy = new(() => StringMap("retired-managed-policies.json", "policies"));
    private static readonly Lazy<IReadOnlyDictionary<string, string>> PrincipalMistakesLazy = new(() => StringMap("service-principals.json", "commonMistakes"));
    private static readonly Lazy<HashSet<string>> StatefulTypesLazy = new(() => StringSet("stateful-resources.json", "resourceTypes", StringComparer.Ordinal));
    private static readonly Lazy<HashSet<long>> RetentionDaysLazy = new(LoadRetention);
    private static readonly Lazy<IReadOnlyDictionary<long, long[]>> FargateLazy = new(LoadFargate);
    private static readonly Lazy<RdsVersions> RdsLazy = new(LoadRds);
    private static readonly Lazy<Prices> PricesLazy = new(LoadPrices);
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyDictionary<string, ParameterRange>>> DbParametersLazy = new(LoadDbParameters);

    private static readonly Lazy<IReadOnlyDictionary<string, string>> ElbLogAccountsLazy = new(() => StringMap("elb-log-delivery-accounts.json", "accounts"));

    public static IReadOnlyDictionary<string, LambdaRuntime> LambdaRuntimes => LambdaRuntimesLazy.Value;

    /// <summary>The Elastic Load Balancing account that delivers access logs, by region (older regions).</summary>
    public static IReadOnlyDictionary<string, string> ElbLogAccounts => ElbLogAccountsLazy.Value;

    /// <summary>AWS managed policy names with their path, e.g. "service-role/AmazonECSTaskExecutionRolePolicy".</summary>
    public static HashSet<string> ManagedPolicies => ManagedPoliciesLazy.Value;

    /// <summary>Retired (or never existing) AWS managed policy names and what to use instead.</summary>
    public static IReadOnlyDictionary<string, string> RetiredManagedPolicies => RetiredManagedPoliciesLazy.Value;

    public static HashSet<string> ServicePrincipals => ServicePrincipalsLazy.Value;

    public static IReadOnlyDictionary<string, string> PrincipalMistakes => PrincipalMistakesLazy.Value;

    public static HashSet<string> StatefulTypes => StatefulTypesLazy.Value;

    public static HashSet<long> RetentionDays => RetentionDaysLazy.Value;

    public static IReadOnlyDictionary<long, long[]> FargateMemoryByCpu => FargateLazy.Value;

    public static RdsVersions Rds => RdsLazy.Value;

    public static Prices Prices => PricesLazy.Value;

    /// <summary>Parameter ranges by family kind ("postgres", "mysql") and parameter name.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, ParameterRange>> DbParameters => DbParametersLazy.Value;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> RetrievedDates = new(StringComparer.Ordinal);

    /// <summary>
    /// The date a data file's facts were taken (cached: messages quote it for every finding). Loading a file's
    /// data records its date, so a file the rules have read is not parsed again just for the date.
    /// </summary>
    public static string Retrieved(string file) => RetrievedDates.GetOrAdd(file, static name =>
    {
        using var document = Open(name);
        return document.RootElement.GetProperty("retrieved").GetString() ?? "unknown";
    });

    internal static JsonDocument Open(string file)
    {
        using var stream = typeof(PreflightData).Assembly.GetManifestResourceStream($"Payments.Preflight.Data.{file}")
            ?? throw new InvalidOperationException($"embedded data file {file} is missing from the build");
        var document = JsonDocument.Parse(stream);
        if (document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("retrieved", out var retrieved)
            && retrieved.ValueKind is JsonValueKind.String or JsonValueKind.Null)
        {
            RetrievedDates.TryAdd(file, retrieved.GetString() ?? "unknown");
        }

        return document;
    }

    private static HashSet<string> StringSet(string file, string property, StringComparer comparer)
    {
        using var document = Open(file);
        return new HashSet<string>(document.RootElement.GetProperty(property).EnumerateArray().Select(e => e.GetString()!), comparer);
    }

    private static Dictionary<string, string> StringMap(string file, string property)
    {
        using var document = Open(file);
        return document.RootElement.GetProperty(property).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Lambda runtimes from two sources, lambda-runtimes.json (refreshed from cfn-lint) and lambda-runtimes-aws.json
    /// (curated from AWS's runtime tables): a block date both give alike is certain; where they differ the runtime
    /// carries the earliest and the latest, and only the latest is certain (AWS has postponed blocks before).
    /// </summary>
    private static Dictionary<string, LambdaRuntime> LoadLambdaRuntimes()
    {
        using var primary = Open("lambda-runtimes.json");
        using var secondary = Open("lambda-runtimes-aws.json");
        var sourceName = $"cfn-lint data ({primary.RootElement.GetProperty("sourceTool").GetString()})";
        var otherName = $"AWS's runtime tables (retrieved {secondary.RootElement.GetProperty("retrieved").GetString()})";
        var containerOnly = new HashSet<string>(secondary.RootElement.GetProperty("containerOnly").EnumerateArray().Select(e => e.GetString()!), StringComparer.Ordinal);
        var other = secondary.RootElement.GetProperty("runtimes");
        var names = primary.RootElement.GetProperty("runtimes").EnumerateObject().Select(p => p.Name)
            .Concat(other.EnumerateObject().Select(p => p.Name)).Distinct(StringComparer.Ordinal).ToList();
        var result = new Dictionary<string, LambdaRuntime>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var first = primary.RootElement.GetProperty("runtimes").TryGetProperty(name, out var a) ? a : default;
            var second = other.TryGetProperty(name, out var b) ? b : default;
            var blocks = new List<(DateOnly Date, string Source)>();
            if (Date(first, "create-block") is { } firstBlock)
            {
                blocks.Add((firstBlock, sourceName));
            }

            if (Date(second, "create-block") is { } secondBlock && !blocks.Any(x => x.Date == secondBlock))
            {
                blocks.Add((secondBlock, otherName));
            }

            blocks.Sort((x, y) => x.Date.CompareTo(y.Date));
            result[name] = new LambdaRuntime(
                name,
                Date(second, "deprecated") ?? Date(first, "deprecated"),
                blocks.Count == 0 ? null : blocks[^1].Date,
                Date(second, "update-block") ?? Date(first, "update-block"),
                Successor(second) ?? Successor(first),
                blocks,
                containerOnly.Contains(name));
        }

        return result;

        static string? Successor(JsonElement element) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty("successor", out var successor) && successor.ValueKind == JsonValueKind.String ? successor.GetString() : null;
    }

    private static DateOnly? Date(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date) ? date : null;

    private static HashSet<string> LoadServicePrincipals()
    {
        var principals = StringSet("service-principals.json", "principals", StringComparer.OrdinalIgnoreCase);
        foreach (var prefix in StringSet("iam-service-prefixes.json", "prefixes", StringComparer.OrdinalIgnoreCase))
        {
            principals.Add($"{prefix}.amazonaws.com");
        }

        return principals;
    }

    private static HashSet<long> LoadRetention()
    {
        using var document = Open("log-retention.json");
        return [.. document.RootElement.GetProperty("days").EnumerateArray().Select(e => e.GetInt64())];
    }

    private static Dictionary<long, long[]> LoadFargate()
    {
        using var document = Open("fargate-cpu-memory.json");
        return document.RootElement.GetProperty("memoryMiBByCpuUnits").EnumerateObject()
            .ToDictionary(p => long.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture), p => p.Value.EnumerateArray().Select(e => e.GetInt64()).ToArray());
    }

    private static RdsVersions LoadRds()
    {
        using var document = Open("rds-engine-versions.json");
        return new RdsVersions(Engines(document.RootElement.GetProperty("instance")), Engines(document.RootElement.GetProperty("cluster")), document.RootElement.GetProperty("retrieved").GetString() ?? "unknown");

        static Dictionary<string, EngineVersions> Engines(JsonElement kind) =>
            kind.EnumerateObject().ToDictionary(
                engine => engine.Name,
                engine => new EngineVersions(
                    [.. engine.Value.GetProperty("current").EnumerateArray().Select(e => e.GetString()!)],
                    new HashSet<string>(engine.Value.GetProperty("deprecated").EnumerateArray().Select(e => e.GetString()!), StringComparer.Ordinal)),
                StringComparer.Ordinal);
    }

    private static Prices LoadPrices()
    {
        using var document = Open("prices.json");
        var root = document.RootElement;
        return new Prices(
            root.GetProperty("retrieved").GetString() ?? "unknown",
            root.GetProperty("hoursPerMonth").GetDouble(),
            root.GetProperty("natGatewayPerHour").GetDouble(),
            root.GetProperty("interfaceEndpointPerAzHour").GetDouble());
    }

    private static Dictionary<string, IReadOnlyDictionary<string, ParameterRange>> LoadDbParameters()
    {
        using var document = Open("db-parameters.json");
        var result = new Dictionary<string, IReadOnlyDictionary<string, ParameterRange>>(StringComparer.Ordinal);
        foreach (var family in document.RootElement.GetProperty("families").EnumerateObject())
        {
            var parameters = new Dictionary<string, ParameterRange>(StringComparer.OrdinalIgnoreCase);
            foreach (var parameter in family.Value.EnumerateObject())
            {
                var range = parameter.Value;
                parameters[parameter.Name] = new ParameterRange(
                    range.TryGetProperty("min", out var min) ? min.GetDouble() : null,
                    range.TryGetProperty("max", out var max) ? max.GetDouble() : null,
                    range.TryGetProperty("values", out var values) ? [.. values.EnumerateArray().Select(v => v.GetString()!)] : null);
            }

            result[family.Name] = parameters;
        }

        return result;
    }
}

/// <param name="CreateBlocked">The latest create-block date the sources give: from then on, creation certainly fails.</param>
/// <param name="CreateBlocks">Every source's create-block date, earliest first (two when the sources disagree).</param>
/// <param name="ContainerOnly">Only for container images: a zip function cannot use it, so it is never advised.</param>
internal sealed record LambdaRuntime(string Name, DateOnly? Deprecated, DateOnly? CreateBlocked, DateOnly? UpdateBlocked, string? Successor,
    IReadOnlyList<(DateOnly Date, string Source)> CreateBlocks, bool ContainerOnly);

internal sealed record EngineVersions(IReadOnlyList<string> Current, HashSet<string> Deprecated);

internal sealed record RdsVersions(IReadOnlyDictionary<string, EngineVersions> Instance, IReadOnlyDictionary<string, EngineVersions> Cluster, string Retrieved);

internal sealed record Prices(string Retrieved, double HoursPerMonth, double NatGatewayPerHour, double InterfaceEndpointPerAzHour);

internal sealed record ParameterRange(double? Min, double? Max, IReadOnlyList<string>? Values);
