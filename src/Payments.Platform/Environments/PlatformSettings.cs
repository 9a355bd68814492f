using Amazon.CDK;

namespace Payments.Platform.Environments;

/// <summary>
/// Deployment-target settings that are not part of the environment table: where to deploy, which
/// image, optional certificates. Read from CDK context first, then the CDK CLI's environment variables.
/// </summary>
public sealed record PlatformSettings
{
    public string? Account { get; init; }
    public string? Region { get; init; }
    public IReadOnlyList<string>? AvailabilityZones { get; init; }

    /// <summary>Subset of environments to synthesize; empty means all three.</summary>
    public IReadOnlyList<string>? Environments { get; init; }

    public bool VpcInterfaceEndpoints { get; init; }

    /// <summary>
    /// This synth produces what will be deployed (<c>cdk deploy -c deploy=true</c>, the pipeline's Test action):
    /// configuration an environment needs (prod's certificate) must then be present, or synth fails. Off, a
    /// review synth or the test command goes on with a warning.
    /// </summary>
    public bool ForDeployment { get; init; }

    public string? ImageTag { get; init; }
    public IReadOnlyDictionary<string, string> CertificateArns { get; init; } = new Dictionary<string, string>();

    /// <summary>Per-environment override of the table's database engine (context <c>databaseEngine:&lt;env&gt;</c>).</summary>
    public IReadOnlyDictionary<string, DatabaseEngine> DatabaseEngines { get; init; } = new Dictionary<string, DatabaseEngine>();

    /// <summary>Context spellings of the database engines.</summary>
    public static IReadOnlyDictionary<string, DatabaseEngine> DatabaseEngineNames { get; } = new Dictionary<string, DatabaseEngine>(StringComparer.Ordinal)
    {
        ["instance"] = global::Payments.Platform.Environments.DatabaseEngine.PostgresInstance,
        ["aurora"] = global::Payments.Platform.Environments.DatabaseEngine.AuroraPostgresCluster,
    };

    /// <summary>Default <see cref="ImageAssetHash"/>: the bootstrap image every environment starts from.</summary>
    public const string DefaultImageAssetHash = "payments-api-bootstrap-v1";

    /// <summary>
    /// Source hash (and tag in the CDK asset repository) of the service image built from the
    /// Dockerfile. Fixed, so synth never reads the checkout or needs Docker, and the api task
    /// definition does not change between synths; bump it to rebuild the bootstrap image.
    /// </summary>
    public string ImageAssetHash { get; init; } = DefaultImageAssetHash;

    /// <summary>
    /// Checkout root: the Docker build context of the service image. No default initializer: it would
    /// walk the directories on every construction (and throw outside a checkout) even when
    /// <see cref="FromContext"/> then sets the <c>repositoryRoot</c> context value.
    /// </summary>
    public required string RepositoryRoot { get; init; }

    public DatabaseEngine? DatabaseEngine(string environment) =>
        DatabaseEngines.TryGetValue(environment, out var engine) ? engine : null;

    public string? CertificateArn(string environment) =>
        CertificateArns.TryGetValue(environment, out var arn) && !string.IsNullOrWhiteSpace(arn) ? arn : null;

    /// <summary>Context key marking a synth for deployment (<see cref="ForDeployment"/>).</summary>
    public const string DeployContextKey = "deploy";

    /// <summary>Environment variable with the same meaning as <see cref="DeployContextKey"/>, for synths the CDK CLI runs without <c>-c</c> (the pipeline's test command).</summary>
    public const string DeployVariable = "PAYMENTS_DEPLOY";

    /// <summary>
    /// Context keys: <c>account</c>, <c>region</c>, <c>availabilityZones</c> (comma-separated),
    /// <c>environments</c> (comma-separated), <c>vpcInterfaceEndpoints</c> (true/false),
    /// <c>imageTag</c>, <c>imageAssetHash</c>, <c>certificateArn:&lt;env&gt;</c>,
    /// <c>databaseEngine:&lt;env&gt;</c> (<c>instance</c> or <c>aurora</c>), <c>deploy</c> (true/false,
    /// else the <c>PAYMENTS_DEPLOY</c> variable).
    /// </summary>
    public static PlatformSettings FromContext(Func<string, string?> context, Func<string, string?> environmentVariable)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(environmentVariable);
        var certificates = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in EnvironmentTable.Names)
        {
            if (NonEmpty(context($"certificateArn:{name}")) is { } arn)
            {
                certificates[name] = arn;
            }
        }
        var engines = new Dictionary<string, DatabaseEngine>(StringComparer.Ordinal);
        foreach (var name in EnvironmentTable.Names)
        {
            if (NonEmpty(context($"databaseEngine:{name}")) is { } engine)
            {
                engines[name] = DatabaseEngineNames.TryGetValue(engine, out var parsed)
                    ? parsed
                    : throw new ArgumentException($"databaseEngine:{name} must be one of {string.Join(", ", DatabaseEngineNames.Keys)}, got '{engine}'");
            }
        }
        var endpoints = NonEmpty(context("vpcInterfaceEndpoints"));
        if (endpoints is not null && !bool.TryParse(endpoints, out _))
        {
            throw new ArgumentException($"vpcInterfaceEndpoints must be true or false, got '{endpoints}'");
        }
        var deploy = NonEmpty(context(DeployContextKey)) ?? NonEmpty(environmentVariable(DeployVariable));
        if (deploy is not null && !bool.TryParse(deploy, out _))
        {
            throw new ArgumentException($"{DeployContextKey} ({DeployVariable}) must be true or false, got '{deploy}'");
        }
        var account = NonEmpty(context("account")) ?? NonEmpty(environmentVariable("CDK_DEFAULT_ACCOUNT"));
        if (account is not null && (account.Length != 12 || !account.All(char.IsAsciiDigit)))
        {
            throw new ArgumentException($"account must be a 12-digit AWS account id, got '{account}'");
        }
        return new PlatformSettings
        {
            Account = account,
            Region = NonEmpty(context("region")) ?? NonEmpty(environmentVariable("CDK_DEFAULT_REGION")),
            AvailabilityZones = List(context("availabilityZones")),
            Environments = List(context("environments")),
            VpcInterfaceEndpoints = endpoints is not null && bool.Parse(endpoints),
            ForDeployment = deploy is not null && bool.Parse(deploy),
            ImageTag = NonEmpty(context("imageTag")),
            ImageAssetHash = NonEmpty(context("imageAssetHash")) ?? NonEmpty(environmentVariable("PAYMENTS_IMAGE_ASSET_HASH")) ?? DefaultImageAssetHash,
            CertificateArns = certificates,
            DatabaseEngines = engines,
            RepositoryRoot = NonEmpty(context("repositoryRoot")) ?? FindRepositoryRoot(),
        };
    }

    public static PlatformSettings FromApp(App app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return FromContext(key => app.Node.TryGetContext(key)?.ToString(), System.Environment.GetEnvironmentVariable);
    }

    /// <summary>The nearest directory holding <c>Payments.slnx</c> above the working directory or the binaries.</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Payments.slnx")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException($"no Payments.slnx above '{Directory.GetCurrentDirectory()}'; pass -c repositoryRoot=<checkout>");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static List<string>? List(string? value) =>
        NonEmpty(value)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
