using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.KMS;
using Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Constructs;

public sealed record ImageRepositoryProps
{
    public required EnvironmentConfig Environment { get; init; }
    public required IKey Key { get; init; }
}

/// <summary>
/// The environment's image repository, created here: seeds 001 and 003 looked an ECR repository up
/// (not found) or created one by hand (already exists on the next deploy).
/// </summary>
public sealed class ImageRepository : Construct
{
    public const int KeepTaggedImages = 10;
    public const int UntaggedExpiryDays = 7;

    /// <summary>
    /// Prefix of the extra tag a release puts on an image once it is deployed (<c>deployed-&lt;commit&gt;</c>).
    /// Every build pushes to every environment's repository before approval, so without it the image prod
    /// runs would fall out of the last <see cref="KeepTaggedImages"/> builds.
    /// </summary>
    public const string DeployedTagPrefix = "deployed-";

    /// <summary>Deployed images kept: the rollback history of the environment.</summary>
    public const int KeepDeployedImages = 100;

    public Repository Repository { get; }

    /// <summary>The repository's fixed name; the pipeline pushes release images to it by name.</summary>
    public static string NameFor(EnvironmentConfig env) => $"{env.Prefix}/api";

    public ImageRepository(Construct scope, string id, ImageRepositoryProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var env = props.Environment;
        Repository = new Repository(this, "Resource", new RepositoryProps
        {
            RepositoryName = NameFor(env),
            ImageScanOnPush = true,
            ImageTagMutability = TagMutability.IMMUTABLE,
            Encryption = RepositoryEncryption.KMS,
            EncryptionKey = props.Key,
            EmptyOnDelete = env.DestroyOnDelete,
            RemovalPolicy = env.DataRemovalPolicy,
            // ECR applies the rules by priority and an image selected by a rule can never be expired by a
            // later one: deployed images are selected first, so the build-count rule never reaches them.
            LifecycleRules =
            [
                new LifecycleRule
                {
                    RulePriority = 1,
                    Description = $"Keep the last {KeepDeployedImages} deployed images ({DeployedTagPrefix}<commit>)",
                    TagStatus = TagStatus.TAGGED,
                    TagPrefixList = [DeployedTagPrefix],
                    MaxImageCount = KeepDeployedImages,
                },
                new LifecycleRule
                {
                    RulePriority = 2,
                    Description = $"Expire untagged images after {UntaggedExpiryDays} days",
                    TagStatus = TagStatus.UNTAGGED,
                    MaxImageAge = Duration.Days(UntaggedExpiryDays),
                },
                new LifecycleRule
                {
                    RulePriority = 3,
                    Description = $"Keep the last {KeepTaggedImages} other tagged images (builds not deployed)",
                    TagStatus = TagStatus.TAGGED,
                    TagPatternList = ["*"],
                    MaxImageCount = KeepTaggedImages,
                },
            ],
        });
    }
}
