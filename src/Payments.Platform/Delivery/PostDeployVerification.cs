using Amazon.CDK;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.CodePipeline.Actions;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Constructs;
using EcsSecret = Amazon.CDK.AWS.ECS.Secret;
using SecretsManagerSecret = Amazon.CDK.AWS.SecretsManager.Secret;
using SecretStringGenerator = Amazon.CDK.AWS.SecretsManager.SecretStringGenerator;

namespace Payments.Platform.Delivery;

public sealed record VerificationMerchantProps
{
    public required DeliveryEnvironment Delivery { get; init; }

    /// <summary>The api container: it learns the merchant through ECS secrets, as it learns the smoke merchant.</summary>
    public required ContainerDefinition Container { get; init; }

    /// <summary>Merchant slot <c>Payments__Merchants__{N}__Id/ApiKey</c>; must differ from the smoke merchant's.</summary>
    public required int MerchantIndex { get; init; }

    /// <summary>The environment's customer-managed key (encrypts the secret).</summary>
    public required IKey Key { get; init; }

    /// <summary>Destroy (dev, staging) or retain (prod) the secret, like the smoke merchant's.</summary>
    public required RemovalPolicy RemovalPolicy { get; init; }
}

/// <summary>
/// The merchant the post-deploy verification pays as, in the platform stack next to the service: a
/// generated API key in a secret (tagged so that only that environment's verification may read it), handed
/// to the api container as a configured merchant, and the secret's ARN as the stack output the suite reads.
/// Its own merchant keeps the suite's exact balance check apart from every other client.
/// </summary>
public sealed class VerificationMerchant : Construct
{
    /// <summary>Stack output with the secret's ARN (<c>buildspecs/scripts/verify-deployment.sh</c> reads it).</summary>
    public const string SecretArnOutput = "VerificationMerchantSecretArn";

    /// <summary>Tag on the secret whose value is the environment name; the verification role's read is conditioned on it.</summary>
    public const string SecretTag = "payments:verification-merchant";

    public SecretsManagerSecret Secret { get; }

    public VerificationMerchant(Construct scope, string id, VerificationMerchantProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (props.MerchantIndex < 0)
        {
            throw new ArgumentException($"verification merchant index must be >= 0, got {props.MerchantIndex}");
        }
        var delivery = props.Delivery;
        Secret = new SecretsManagerSecret(this, "Resource", new Amazon.CDK.AWS.SecretsManager.SecretProps
        {
            // No fixed name, like the smoke merchant's secret: prod retains it, and a retained fixed name blocks re-creation.
            Description = $"Payments {delivery.Name}: merchant the post-deploy verification pays, captures and refunds as",
            EncryptionKey = props.Key,
            RemovalPolicy = props.RemovalPolicy,
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = $$"""{"merchantId":"{{delivery.VerificationMerchantId}}"}""",
                GenerateStringKey = "apiKey",
                ExcludePunctuation = true,
                PasswordLength = 48,
            },
        });
        Tags.Of(Secret).Add(SecretTag, delivery.Name);
        var slot = $"Payments__Merchants__{props.MerchantIndex}__";
        props.Container.AddSecret(slot + "Id", EcsSecret.FromSecretsManager(Secret, "merchantId"));
        props.Container.AddSecret(slot + "ApiKey", EcsSecret.FromSecretsManager(Secret, "apiKey"));

        var output = new CfnOutput(this, "SecretArn", new CfnOutputProps
        {
            Value = Secret.SecretArn,
            Description = "Secret with the post-deploy verification merchant's API key",
        });
        output.OverrideLogicalId(SecretArnOutput);
    }
}

public sealed record PostDeployVerificationProps
{
    /// <summary>Environments in promotion order; one verification project each.</summary>
    public required IReadOnlyList<DeliveryTarget> Targets { get; init; }

    /// <summary>The delivery key (build logs, build artifacts).</summary>
    public required IKey Key { get; init; }

    /// <summary>Bucket for the build cache (the pipeline's artifact bucket).</summary>
    public required IBucket CacheBucket { get; init; }

    /// <summary>Per environment, a name on the listener's certificate (the suite dials the ALB's DNS name); none means plain HTTP.</summary>
    public IReadOnlyDictionary<string, string> TlsHostNames { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// The pipeline's post-deploy verification: per environment a CodeBuild project that runs
/// <c>buildspecs/verify.yml</c> (the suite in <c>tests/Payments.Verification</c>) against the environment's
/// production listener. The load balancer is internet-facing, so the build runs outside the VPC and sees the
/// service exactly as merchants do. Each project's role may read exactly its environment's platform stack
/// outputs, its verification merchant's secret and its transaction-log objects.
/// </summary>
public sealed class PostDeployVerification : Construct
{
    public const string BuildSpecFile = "buildspecs/verify.yml";
    public const string ActionName = "Verify";

    private readonly Dictionary<string, PipelineProject> projects = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, PipelineProject> Projects => projects;

    public PostDeployVerification(Construct scope, string id, PostDeployVerificationProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        foreach (var target in props.Targets)
        {
            projects[target.Delivery.Name] = Project(target, props);
        }
    }

    /// <summary>The action that verifies <paramref name="environment"/>; put it after the environment's CodeDeploy action.</summary>
    /// <param name="image">The image scan gate's artifact: like every action of a deploy stage, the verification
    /// consumes it, so nothing in the stage can run for a build whose image did not pass the gate.</param>
    public CodeBuildAction ActionFor(string environment, Artifact_ source, Artifact_ image, int runOrder)
    {
        if (!projects.TryGetValue(environment, out var project))
        {
            throw new ArgumentException($"no post-deploy verification for environment '{environment}' (have: {string.Join(", ", projects.Keys)})", nameof(environment));
        }
        return new CodeBuildAction(new CodeBuildActionProps
        {
            ActionName = ActionName,
            Project = project,
            Input = source,
            ExtraInputs = [image],
            RunOrder = runOrder,
        });
    }

    private PipelineProject Project(DeliveryTarget target, PostDeployVerificationProps props)
    {
        var name = target.Delivery.Name;
        var logs = new LogGroup(this, $"{name}Logs", new LogGroupProps
        {
            Retention = RetentionDays.THREE_MONTHS,
            EncryptionKey = props.Key,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        var environment = new Dictionary<string, IBuildEnvironmentVariable>
        {
            ["ENVIRONMENT"] = new BuildEnvironmentVariable { Value = name },
            ["PLATFORM_STACK"] = new BuildEnvironmentVariable { Value = target.PlatformStackName },
        };
        if (props.TlsHostNames.TryGetValue(name, out var tlsHost))
        {
            environment["VERIFY_TLS_HOST"] = new BuildEnvironmentVariable { Value = tlsHost };
        }
        var project = new PipelineProject(this, name, new PipelineProjectProps
        {
            Description = $"Payments release: post-deploy verification of {name} ({BuildSpecFile})",
            BuildSpec = BuildSpec.FromSourceFilename(BuildSpecFile),
            Environment = new BuildEnvironment { BuildImage = LinuxBuildImage.STANDARD_7_0, ComputeType = ComputeType.SMALL },
            EnvironmentVariables = environment,
            Cache = Cache.Bucket(props.CacheBucket, new BucketCacheOptions { Prefix = $"cache/verify-{name}" }),
            EncryptionKey = props.Key,
            Timeout = Duration.Minutes(20),
            QueuedTimeout = Duration.Hours(1),
            Logging = new LoggingOptions { CloudWatch = new CloudWatchLoggingOptions { LogGroup = logs } },
        });
        GrantReads(project, target);
        return project;
    }

    private static void GrantReads(PipelineProject project, DeliveryTarget target)
    {
        var stack = Stack.Of(project);
        var name = target.Delivery.Name;
        project.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadPlatformStackOutputs",
            Actions = ["cloudformation:DescribeStacks"],
            Resources = [$"arn:{stack.Partition}:cloudformation:{stack.Region}:{stack.Account}:stack/{target.PlatformStackName}/*"],
        }));
        // The secret's name is generated (see VerificationMerchant), so the read is pinned by its tag.
        project.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadVerificationMerchantKey",
            Actions = ["secretsmanager:GetSecretValue"],
            Resources = [$"arn:{stack.Partition}:secretsmanager:{stack.Region}:{stack.Account}:secret:*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { [$"aws:ResourceTag/{VerificationMerchant.SecretTag}"] = name },
            },
        }));
        var bucketArn = $"arn:{stack.Partition}:s3:::{target.TransactionLogBucketName}";
        project.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ListTransactionLog",
            Actions = ["s3:ListBucket"],
            Resources = [bucketArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object> { ["s3:prefix"] = $"{Constructs.TransactionLogBucket.ObjectPrefix}*" },
            },
        }));
        project.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadTransactionLog",
            Actions = ["s3:GetObject"],
            Resources = [$"{bucketArn}/{Constructs.TransactionLogBucket.ObjectPrefix}*"],
        }));
        // Both the secret and the bucket are encrypted with the environment's key: decrypt through those two
        // services only, and only with that key (its alias).
        project.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DecryptThroughSecretsManagerAndS3",
            Actions = ["kms:Decrypt"],
            Resources = [$"arn:{stack.Partition}:kms:{stack.Region}:{stack.Account}:key/*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object>
                {
                    ["kms:ViaService"] = new[] { $"secretsmanager.{stack.Region}.amazonaws.com", $"s3.{stack.Region}.amazonaws.com" },
                },
                ["ForAnyValue:StringEquals"] = new Dictionary<string, object> { ["kms:ResourceAliases"] = target.KeyAlias },
            },
        }));
    }
}
