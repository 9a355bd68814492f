using Amazon.CDK;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.CodeDeploy;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.CodePipeline.Actions;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using LifecycleRule = Amazon.CDK.AWS.S3.LifecycleRule;
using Constructs;
using Payments.Api.Hosting;
using EventTargets = Amazon.CDK.AWS.Events.Targets;

namespace Payments.Platform.Delivery;

public sealed class PipelineStackProps : StackProps
{
    public required DeliverySettings Settings { get; init; }

    /// <summary>Environments in promotion order (dev, staging, prod).</summary>
    public required IReadOnlyList<DeliveryTarget> Targets { get; init; }
}

/// <summary>
/// The release pipeline (CodePipeline V2): source (S3 via EventBridge, or GitHub via a CodeStar
/// connection) → build (test ∥ vulnerability scan, then the image: built once, pushed, scanned and gated)
/// → per environment: Infrastructure (cdk deploy of the checked cloud assembly, synthesized with this
/// commit's image tag: CloudFormation rolls the worker), Release (the api's release files rendered from
/// the revision that deploy registered, and the image's promotion tag), BlueGreen (CodeDeploy), with a
/// manual approval before prod. Every action after the Build stage consumes the Image action's artifact,
/// which exists only when the image scan passed. The pipeline is not self-mutating: it is deployed by
/// hand (see docs/delivery.md).
/// </summary>
public sealed class PipelineStack : Stack
{
    public const string SourceArtifactName = "source";
    public const string SynthArtifactName = "synth";

    /// <summary>The Image action's output (<c>image.json</c>: tag, digest), written after the scan gate.</summary>
    public const string ImageArtifactName = "image";

    /// <summary>Run order of the actions in each <c>Deploy-&lt;env&gt;</c> stage; a later action (e.g. a verification) takes a higher one.</summary>
    public const int InfrastructureRunOrder = 1;
    public const int ReleaseRunOrder = 2;
    public const int BlueGreenRunOrder = 3;
    public const int VerifyRunOrder = 4;
    public const string ImagePlaceholder = "IMAGE1_NAME";
    private static readonly string[] BootstrapRoles = ["deploy", "file-publishing", "image-publishing", "lookup"];

    public Key Key { get; }
    public Bucket ArtifactBucket { get; }
    public Bucket? SourceBucket { get; }
    public Pipeline Pipeline { get; }
    public PipelineProject TestProject { get; }
    public PipelineProject ScanProject { get; }
    public PipelineProject ImageProject { get; }
    public PipelineProject InfraProject { get; }
    public PipelineProject ReleaseProject { get; }
    public DeliveryNotifications Notifications { get; }
    public PostDeployVerification Verification { get; }

    public static string ReleaseArtifactName(string environment) => $"release_{environment}";

    public PipelineStack(Construct scope, string id, PipelineStackProps props) : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(props);
        props.Settings.Validate();
        if (props.Targets.Count == 0)
        {
            throw new ArgumentException("the pipeline needs at least one environment to deliver to");
        }
        var containerNames = props.Targets.Select(t => t.ContainerName).Distinct().ToList();
        if (containerNames.Count != 1)
        {
            throw new ArgumentException($"every environment must name the same api container, got '{string.Join(",", containerNames)}'");
        }

        Key = DeliveryKey();
        // Retained with the key: the buckets hold the release history, and a retained bucket whose key was
        // deleted could never be read again.
        ArtifactBucket = SecureBucket("Artifacts", versioned: false, eventBridge: false, expireAfterDays: 30);
        if (!props.Settings.UsesGitHub)
        {
            SourceBucket = SecureBucket("Source", versioned: true, eventBridge: true, expireAfterDays: null);
        }

        // The Test action's synth is the one the pipeline deploys: it must fail when production configuration is missing.
        TestProject = Project("Test", "buildspecs/test.yml", ComputeType.MEDIUM, privileged: false, Cache.Bucket(ArtifactBucket, new BucketCacheOptions { Prefix = "cache/test" }),
            new Dictionary<string, IBuildEnvironmentVariable> { [Environments.PlatformSettings.DeployVariable] = Plain("true") });
        ScanProject = Project("Scan", "buildspecs/scan.yml", ComputeType.SMALL, privileged: false, Cache.Bucket(ArtifactBucket, new BucketCacheOptions { Prefix = "cache/scan" }));
        ImageProject = Project("Image", "buildspecs/image.yml", ComputeType.MEDIUM, privileged: true, Cache.Local(LocalCacheMode.DOCKER_LAYER, LocalCacheMode.CUSTOM),
            ImageEnvironment(props.Targets));
        InfraProject = Project("Infra", "buildspecs/infra.yml", ComputeType.SMALL, privileged: true, Cache.Bucket(ArtifactBucket, new BucketCacheOptions { Prefix = "cache/infra" }));
        ReleaseProject = Project("Release", "buildspecs/release.yml", ComputeType.SMALL, privileged: false, Cache.None(),
            ReleaseEnvironment(containerNames[0]));
        var repositories = props.Targets.ToDictionary(t => t.Delivery.Name, t => Repository.FromRepositoryName(this, $"{t.Delivery.Name}-Repository", t.RepositoryName));
        GrantImagePublishing(repositories.Values);
        GrantReleaseRendering(props.Targets, repositories.Values);
        GrantCdkDeploy();
        Verification = new PostDeployVerification(this, "Verification", new PostDeployVerificationProps
        {
            Targets = props.Targets, Key = Key, CacheBucket = ArtifactBucket, TlsHostNames = props.Settings.TestTlsHosts,
        });

        Pipeline = new Pipeline(this, "Pipeline", new PipelineProps
        {
            PipelineType = PipelineType.V2,
            // Every commit that passes is promoted in order; a newer commit never overtakes one waiting for approval.
            ExecutionMode = ExecutionMode.QUEUED,
            ArtifactBucket = ArtifactBucket,
            RestartExecutionOnUpdate = false,
        });
        CfnLintSuppression.IgnoreRedundantRoleDependency((CfnResource)Pipeline.Node.DefaultChild!);
        Aspects.PreflightSuppressions.StateReleaseLinks((CfnResource)Pipeline.Node.DefaultChild!,
            props.Targets.Select(t => (t.RepositoryName, t.ReleasedServiceNames)));
        var source = new Artifact_(SourceArtifactName);
        var synth = new Artifact_(SynthArtifactName);
        var image = new Artifact_(ImageArtifactName);
        var releases = props.Targets.ToDictionary(t => t.Delivery.Name, t => new Artifact_(ReleaseArtifactName(t.Delivery.Name)));

        var (sourceAction, commitId) = SourceAction(props.Settings, source);
        // GitHub: the commit id comes from the source action; S3: from .source-commit in the bundle.
        var commitVariables = commitId is null ? null : new Dictionary<string, IBuildEnvironmentVariable>
        {
            ["SOURCE_COMMIT_ID"] = new BuildEnvironmentVariable { Value = commitId },
        };
        Pipeline.AddStage(new StageOptions { StageName = "Source", Actions = [sourceAction] });
        Pipeline.AddStage(new StageOptions
        {
            StageName = "Build",
            Actions =
            [
                // The assembly is synthesized with the commit's image tag (test.yml): what Infrastructure deploys.
                new CodeBuildAction(new CodeBuildActionProps { ActionName = "Test", Project = TestProject, Input = source, Outputs = [synth], RunOrder = 1, EnvironmentVariables = commitVariables }),
                new CodeBuildAction(new CodeBuildActionProps { ActionName = "VulnerabilityScan", Project = ScanProject, Input = source, RunOrder = 1 }),
                new CodeBuildAction(new CodeBuildActionProps
                {
                    ActionName = "Image",
                    Project = ImageProject,
                    Input = source,
                    Outputs = [image],
                    RunOrder = 2,
                    EnvironmentVariables = commitVariables,
                }),
            ],
        });

        Notifications = new DeliveryNotifications(this, "Notifications", new DeliveryNotificationsProps
        {
            Pipeline = Pipeline,
            Key = Key,
            CodeDeployApplications = props.Targets.Select(t => t.Delivery.ApplicationName).ToList(),
            StuckAfterMinutes = props.Settings.StuckAfterMinutes,
        });

        foreach (var target in props.Targets)
        {
            var delivery = target.Delivery;
            if (delivery.RequiresManualApproval)
            {
                Pipeline.AddStage(new StageOptions
                {
                    StageName = $"Approve-{delivery.Name}",
                    Actions =
                    [
                        new ManualApprovalAction(new ManualApprovalActionProps
                        {
                            ActionName = $"Approve-{delivery.Name}",
                            NotificationTopic = Notifications.Approvals,
                            AdditionalInformation = $"Promote this release to {delivery.Name} ({delivery.TrafficShifting}, automatic rollback on alarms)?",
                            Role = ApprovalRole(delivery.Name),
                        }),
                    ],
                });
            }
            var release = releases[delivery.Name];
            var group = EcsDeploymentGroup.FromEcsDeploymentGroupAttributes(this, $"{delivery.Name}-DeploymentGroup", new EcsDeploymentGroupAttributes
            {
                Application = EcsApplication.FromEcsApplicationName(this, $"{delivery.Name}-Application", delivery.ApplicationName),
                DeploymentGroupName = delivery.ApiDeploymentGroupName,
                // The environment's real traffic shifting: the deploy action may read exactly this config
                // (without it CDK assumes ECSAllAtOnce and staging/prod deployments fail on GetDeploymentConfig).
                DeploymentConfig = delivery.DeploymentConfig,
            });
            Pipeline.AddStage(new StageOptions
            {
                StageName = $"Deploy-{delivery.Name}",
                // Infrastructure → Release → BlueGreen → Verify: the release is rendered from the api revision this
                // execution's infrastructure deploy registered, never from an older one.
                Actions =
                [
                    new CodeBuildAction(new CodeBuildActionProps
                    {
                        ActionName = "Infrastructure",
                        Project = InfraProject,
                        Input = source,
                        ExtraInputs = [synth, image],
                        RunOrder = InfrastructureRunOrder,
                        EnvironmentVariables = new Dictionary<string, IBuildEnvironmentVariable>
                        {
                            ["ENVIRONMENT"] = new BuildEnvironmentVariable { Value = target.StageName },
                        },
                    }),
                    new CodeBuildAction(new CodeBuildActionProps
                    {
                        ActionName = "Release",
                        Project = ReleaseProject,
                        Input = source,
                        ExtraInputs = [image],
                        Outputs = [release],
                        RunOrder = ReleaseRunOrder,
                        EnvironmentVariables = ReleaseTargetEnvironment(target),
                    }),
                    new CodeDeployEcsDeployAction(new CodeDeployEcsDeployActionProps
                    {
                        ActionName = "BlueGreen",
                        DeploymentGroup = group,
                        TaskDefinitionTemplateFile = release.AtPath("taskdef.json"),
                        AppSpecTemplateFile = release.AtPath("appspec.yaml"),
                        ContainerImageInputs = [new CodeDeployEcsContainerImageInput { Input = release, TaskDefinitionPlaceholder = ImagePlaceholder }],
                        RunOrder = BlueGreenRunOrder,
                    }),
                    // Last in the stage, after the CodeDeploy action: the next stage starts only after it passes.
                    Verification.ActionFor(delivery.Name, source, image, runOrder: VerifyRunOrder),
                ],
            });
        }

        if (SourceBucket is not null)
        {
            // EventBridge notifications of the bucket itself: no CloudTrail trail needed (S3Trigger.EVENTS
            // would rely on one), no polling.
            new Rule(this, "SourceUploaded", new RuleProps
            {
                Description = "A new source bundle starts the release pipeline",
                EventPattern = new EventPattern
                {
                    Source = ["aws.s3"],
                    DetailType = ["Object Created"],
                    Detail = new Dictionary<string, object>
                    {
                        ["bucket"] = new Dictionary<string, object> { ["name"] = new[] { SourceBucket.BucketName } },
                        ["object"] = new Dictionary<string, object> { ["key"] = new[] { props.Settings.SourceObjectKey } },
                    },
                },
                Targets = [new EventTargets.CodePipeline(Pipeline)],
            });
        }

        new CfnOutput(this, "PipelineName", new CfnOutputProps { Value = Pipeline.PipelineName, Description = "Release pipeline" });
        if (SourceBucket is not null)
        {
            new CfnOutput(this, "SourceLocation", new CfnOutputProps
            {
                Value = $"s3://{SourceBucket.BucketName}/{props.Settings.SourceObjectKey}",
                Description = "Upload a release with buildspecs/scripts/upload-source.sh <bucket>",
            });
        }
    }

    private Key DeliveryKey()
    {
        var key = new Key(this, "Key", new KeyProps
        {
            Description = "Payments delivery: pipeline artifacts, source bundles, build logs, notification topics",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        // CloudWatch Logs is never added by the CDK (known-facts): grant it for this account's log groups.
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchLogs",
            Principals = [new ServicePrincipal($"logs.{Region}.amazonaws.com")],
            Actions = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object> { ["kms:EncryptionContext:aws:logs:arn"] = $"arn:{Partition}:logs:{Region}:{Account}:log-group:*" },
            },
        }));
        // CloudWatch alarms and EventBridge rules publish to the encrypted topics (see EncryptionKeys for why
        // only the alarms' statement carries source conditions).
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AlarmsPublishToTopics",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = Constructs.Alerting.AlarmSourceConditions(this),
        }));
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "EventsPublishToTopics",
            Principals = [new ServicePrincipal("events.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
        }));
        // The approval action publishes with the pipeline's action role; allow this account's principals
        // to use the key only through SNS rather than granting every role the key directly.
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PublishThroughSnsOnly",
            Principals = [new AccountPrincipal(Account)],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"sns.{Region}.amazonaws.com" },
            },
        }));
        return key;
    }

    /// <summary>
    /// The approval action's role (what CDK would generate, made explicit): SNS encrypts the approval message
    /// with the delivery key as this role, so besides <c>sns:Publish</c> (the action grants it) the role needs
    /// the key, only through SNS. The key policy delegates to the account, so this identity policy suffices.
    /// </summary>
    private Role ApprovalRole(string environment)
    {
        var role = new Role(this, $"Approve-{environment}-ActionRole", new RoleProps
        {
            AssumedBy = new ArnPrincipal(Pipeline.Role.RoleArn),
            Description = $"Payments release: the {environment} approval action (notifies the approvals topic)",
        });
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "EncryptApprovalNotifications",
            // The two calls SNS makes for an encrypted topic; not GenerateDataKey*, which adds key pairs and plaintext-free keys.
            Actions = ["kms:Decrypt", "kms:GenerateDataKey"],
            Resources = [Key.KeyArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"sns.{Region}.amazonaws.com" },
            },
        }));
        return role;
    }

    private Bucket SecureBucket(string id, bool versioned, bool eventBridge, int? expireAfterDays)
    {
        var bucket = new Bucket(this, id, new BucketProps
    {
        Encryption = BucketEncryption.KMS,
        EncryptionKey = Key,
        BucketKeyEnabled = true,
        EnforceSSL = true,
        BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
        ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
        Versioned = versioned,
        RemovalPolicy = RemovalPolicy.RETAIN,
        LifecycleRules = expireAfterDays is { } days
            ? [new LifecycleRule { Id = "expire-artifacts", Enabled = true, Prefix = "", Expiration = Duration.Days(days), AbortIncompleteMultipartUploadAfter = Duration.Days(1) }]
            : [new LifecycleRule { Id = "expire-old-source-versions", Enabled = true, Prefix = "", NoncurrentVersionExpiration = Duration.Days(90), AbortIncompleteMultipartUploadAfter = Duration.Days(1) }],
    });
        if (eventBridge)
        {
            // CloudFormation's own EventBridgeConfiguration, not BucketProps.EventBridgeEnabled: that one goes
            // through CDK's BucketNotifications custom resource (a Lambda) for a plain bucket property.
            ((CfnBucket)bucket.Node.DefaultChild!).NotificationConfiguration = new CfnBucket.NotificationConfigurationProperty
            {
                EventBridgeConfiguration = new CfnBucket.EventBridgeConfigurationProperty { EventBridgeEnabled = true },
            };
        }
        return bucket;
    }

    private PipelineProject Project(string id, string buildSpecFile, ComputeType compute, bool privileged, Cache cache, IDictionary<string, IBuildEnvironmentVariable>? environment = null)
    {
        var logs = new LogGroup(this, $"{id}Logs", new LogGroupProps
        {
            Retention = RetentionDays.THREE_MONTHS,
            EncryptionKey = Key,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        return new PipelineProject(this, id, new PipelineProjectProps
        {
            Description = $"Payments release: {id} ({buildSpecFile})",
            BuildSpec = BuildSpec.FromSourceFilename(buildSpecFile),
            Environment = new BuildEnvironment
            {
                BuildImage = LinuxBuildImage.STANDARD_7_0,
                ComputeType = compute,
                Privileged = privileged,
            },
            EnvironmentVariables = environment,
            Cache = cache,
            EncryptionKey = Key,
            Timeout = Duration.Minutes(30),
            QueuedTimeout = Duration.Hours(1),
            Logging = new LoggingOptions { CloudWatch = new CloudWatchLoggingOptions { LogGroup = logs } },
        });
    }

    private Dictionary<string, IBuildEnvironmentVariable> ImageEnvironment(IReadOnlyList<DeliveryTarget> targets)
    {
        var environment = new Dictionary<string, IBuildEnvironmentVariable>
        {
            // The first environment's repository is where the image is pushed first and scanned.
            ["ENVIRONMENTS"] = Plain(string.Join(' ', targets.Select(t => t.Delivery.Name))),
            ["AWS_ACCOUNT_ID"] = Plain(Account),
        };
        foreach (var target in targets)
        {
            environment[$"ECR_REPOSITORY_{target.Delivery.Name.ToUpperInvariant()}"] = Plain(target.RepositoryName);
        }
        return environment;
    }

    private Dictionary<string, IBuildEnvironmentVariable> ReleaseEnvironment(string containerName) => new()
    {
        ["CONTAINER_NAME"] = Plain(containerName),
        ["CONTAINER_PORT"] = Plain(ServiceContract.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ["AWS_ACCOUNT_ID"] = Plain(Account),
    };

    /// <summary>What the Release action of one environment reads (release-environment.sh).</summary>
    private static Dictionary<string, IBuildEnvironmentVariable> ReleaseTargetEnvironment(DeliveryTarget target) => new()
    {
        ["ENVIRONMENT"] = Plain(target.Delivery.Name),
        ["ECR_REPOSITORY"] = Plain(target.RepositoryName),
        ["TASK_FAMILY"] = Plain(target.TaskFamily),
        ["PLATFORM_STACK"] = Plain(target.PlatformStackName),
        ["HOOK_FUNCTION"] = Plain(target.Delivery.PreTrafficHookFunctionName),
        ["CAPACITY_PROVIDER_STRATEGY"] = Plain(System.Text.Json.JsonSerializer.Serialize(target.ApiCapacityProviders, StrategyJson)),
    };

    private static readonly System.Text.Json.JsonSerializerOptions StrategyJson = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static BuildEnvironmentVariable Plain(string value) => new() { Type = BuildEnvironmentVariableType.PLAINTEXT, Value = value };

    private void GrantImagePublishing(IEnumerable<IRepository> repositories)
    {
        foreach (var repository in repositories)
        {
            repository.GrantPullPush(ImageProject);
            // DescribeImages: whether the commit's tag exists (build-image.sh stops on any error but
            // ImageNotFoundException); the scan findings gate the release.
            repository.Grant(ImageProject, "ecr:DescribeImages", "ecr:DescribeImageScanFindings");
        }
    }

    private void GrantReleaseRendering(IReadOnlyList<DeliveryTarget> targets, IEnumerable<IRepository> repositories)
    {
        foreach (var repository in repositories)
        {
            // The promotion tag: describe both tags, read the manifest, put it again under deployed-<commit>.
            repository.Grant(ReleaseProject, "ecr:DescribeImages", "ecr:BatchGetImage", "ecr:PutImage");
        }
        ReleaseProject.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadLiveTaskDefinitions",
            // DescribeTaskDefinition supports no resource-level permissions.
            Actions = ["ecs:DescribeTaskDefinition"],
            Resources = ["*"],
        }));
        ReleaseProject.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadPlatformStackOutputs",
            // The api task-definition revision CloudFormation manages (output ApiTaskDefinitionArn).
            Actions = ["cloudformation:DescribeStacks"],
            Resources = [.. targets.Select(target => $"arn:{Partition}:cloudformation:{Region}:{Account}:stack/{target.PlatformStackName}/*")],
        }));
    }

    private void GrantCdkDeploy()
    {
        // The CDK CLI deploys through the bootstrap roles (deploy, asset publishing, lookups); the build
        // itself holds no other infrastructure permission.
        var qualifier = DefaultStackSynthesizer.DEFAULT_QUALIFIER;
        InfraProject.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AssumeCdkBootstrapRoles",
            Actions = ["sts:AssumeRole"],
            Resources = BootstrapRoles
                .Select(role => $"arn:{Partition}:iam::{Account}:role/cdk-{qualifier}-{role}-role-{Account}-{Region}")
                .ToArray(),
        }));
    }

    private (IAction Action, string? CommitId) SourceAction(DeliverySettings settings, Artifact_ output)
    {
        if (settings.UsesGitHub)
        {
            var parts = settings.Repository!.Split('/');
            var github = new CodeStarConnectionsSourceAction(new CodeStarConnectionsSourceActionProps
            {
                ActionName = "GitHub",
                ConnectionArn = settings.ConnectionArn!,
                Owner = parts[0],
                Repo = parts[1],
                Branch = settings.Branch,
                Output = output,
                TriggerOnPush = true,
                VariablesNamespace = "Source",
            });
            return (github, github.Variables.CommitId);
        }
        var s3 = new S3SourceAction(new S3SourceActionProps
        {
            ActionName = "S3",
            Bucket = SourceBucket!,
            BucketKey = settings.SourceObjectKey,
            Output = output,
            // Started by the EventBridge rule on the bucket's own events (see SourceUploaded).
            Trigger = S3Trigger.NONE,
            VariablesNamespace = "Source",
        });
        return (s3, null);
    }
}
