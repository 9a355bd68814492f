namespace Payments.Platform.Delivery;

/// <summary>
/// Where releases come from. Default: a zip at <see cref="SourceObjectKey"/> in the pipeline's own versioned
/// S3 bucket (uploaded by <c>buildspecs/scripts/upload-source.sh</c>, started through EventBridge). With
/// <see cref="ConnectionArn"/> set: GitHub through a CodeStar connection (no OAuth token, no webhook).
/// </summary>
public sealed record DeliverySettings
{
    public const string DefaultSourceObjectKey = "payments/source.zip";
    public const string DefaultBranch = "main";

    public string? ConnectionArn { get; init; }

    /// <summary><c>owner/name</c> of the GitHub repository; required with <see cref="ConnectionArn"/>.</summary>
    public string? Repository { get; init; }

    public string Branch { get; init; } = DefaultBranch;
    public string SourceObjectKey { get; init; } = DefaultSourceObjectKey;

    /// <summary>An action running longer than this (approvals excepted) raises the stuck-execution alarm.</summary>
    public int StuckAfterMinutes { get; init; } = 90;

    /// <summary>Per environment: a name on the HTTPS test listener's certificate (context <c>testTlsHost:&lt;env&gt;</c>).</summary>
    public IReadOnlyDictionary<string, string> TestTlsHosts { get; init; } = new Dictionary<string, string>();

    public bool UsesGitHub => ConnectionArn is not null;

    /// <summary>
    /// Context keys: <c>sourceConnectionArn</c>, <c>sourceRepository</c> (owner/name), <c>sourceBranch</c>,
    /// <c>sourceObjectKey</c>, <c>pipelineStuckAfterMinutes</c>, <c>testTlsHost:&lt;env&gt;</c>.
    /// </summary>
    public static DeliverySettings FromContext(Func<string, string?> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = new DeliverySettings
        {
            ConnectionArn = Blank(context("sourceConnectionArn")),
            Repository = Blank(context("sourceRepository")),
            Branch = Blank(context("sourceBranch")) ?? DefaultBranch,
            SourceObjectKey = Blank(context("sourceObjectKey")) ?? DefaultSourceObjectKey,
            StuckAfterMinutes = Blank(context("pipelineStuckAfterMinutes")) is { } minutes
                ? int.TryParse(minutes, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed > 0
                    ? parsed
                    : throw new ArgumentException($"pipelineStuckAfterMinutes must be a positive whole number of minutes, got '{minutes}'")
                : 90,
            TestTlsHosts = Payments.Platform.Environments.EnvironmentTable.Names
                .Where(env => Blank(context($"testTlsHost:{env}")) is not null)
                .ToDictionary(env => env, env => Blank(context($"testTlsHost:{env}"))!, StringComparer.Ordinal),
        };
        settings.Validate();
        return settings;
    }

    public void Validate()
    {
        if (ConnectionArn is not null)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(ConnectionArn, @"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]{36}$"))
            {
                throw new ArgumentException($"sourceConnectionArn must be a CodeStar/CodeConnections connection ARN, got '{ConnectionArn}'");
            }
            if (Repository is null || Repository.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                throw new ArgumentException($"sourceRepository must be 'owner/name' when sourceConnectionArn is set, got '{Repository}'");
            }
        }
        else if (Repository is not null)
        {
            throw new ArgumentException($"sourceRepository '{Repository}' needs sourceConnectionArn (GitHub is reached only through a CodeStar connection)");
        }
        if (string.IsNullOrWhiteSpace(SourceObjectKey) || SourceObjectKey.StartsWith('/') || !SourceObjectKey.EndsWith(".zip", StringComparison.Ordinal))
        {
            throw new ArgumentException($"sourceObjectKey must be a relative key ending in .zip, got '{SourceObjectKey}'");
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
