using Amazon.CDK;
using Payments.Platform.Environments;

namespace Payments.Platform.Aspects;

/// <summary>
/// One accepted cdk-nag finding: the rule, the exact findings of a rule that reports them one by one
/// (<c>AwsSolutions-IAM5[Action::s3:*]</c> → <c>AppliesTo = ["Action::s3:*"]</c>), the resources it is about
/// (construct paths relative to their stack) and why it is acceptable.
/// <c>{Region}</c> and <c>{Account}</c> in <see cref="AppliesTo"/> stand for the stack's own (as cdk-nag prints them).
/// </summary>
public sealed record NagSuppression
{
    public required string RuleId { get; init; }
    public required IReadOnlyList<string> Paths { get; init; }
    public IReadOnlyList<string> AppliesTo { get; init; } = [];
    public required string Reason { get; init; }

    /// <summary>
    /// Only where the design choice holds: a platform stack's environment, or for the delivery stack an environment
    /// it delivers to (a finding about one environment exists only when the pipeline serves it); null: wherever the resource exists.
    /// </summary>
    public Func<EnvironmentConfig, bool>? When { get; init; }
}

/// <summary>
/// Writes cdk-nag suppressions into each resource's template metadata, in cdk-nag's audit format
/// (<c>Metadata.cdk_nag.rules_to_suppress: [{id, reason, applies_to}]</c>), which
/// <c>scripts/cdk-nag-check.js</c> honours exactly. Every accepted finding of the app and its reason is in
/// the two tables below; docs/testing.md ("cdk-nag") explains how to add one.
/// </summary>
public sealed class NagSuppressions : IResourceFixup
{
    private readonly IReadOnlyList<NagSuppression> table;
    private readonly string stackPath;
    private readonly IReadOnlyList<EnvironmentConfig> environments;
    private readonly string region;
    private readonly string account;

    private NagSuppressions(IReadOnlyList<NagSuppression> table, Stack stack, IReadOnlyList<EnvironmentConfig> environments)
    {
        this.table = table;
        this.environments = environments;
        stackPath = stack.Node.Path + "/";
        region = Token.IsUnresolved(stack.Region) ? "<AWS::Region>" : stack.Region;
        account = Token.IsUnresolved(stack.Account) ? "<AWS::AccountId>" : stack.Account;
    }

    public static NagSuppressions ForPlatform(Stack stack, EnvironmentConfig environment) => new(Platform, stack, [environment]);

    /// <param name="environments">The environments the pipeline delivers to.</param>
    public static NagSuppressions ForDelivery(Stack stack, IReadOnlyList<EnvironmentConfig> environments) => new(Delivery, stack, environments);

    public void Fix(CfnResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var path = resource.Node.Path;
        if (!path.StartsWith(stackPath, StringComparison.Ordinal))
        {
            return;
        }
        var relative = path[stackPath.Length..];
        var rules = table
            .Where(s => s.Paths.Contains(relative) && (s.When is null || environments.Any(s.When)))
            .Select(Entry)
            .ToList();
        if (rules.Count == 0)
        {
            return;
        }
        if (resource.GetMetadata("cdk_nag") is IDictionary<string, object> existing
            && existing.TryGetValue("rules_to_suppress", out var previous) && previous is object[] earlier)
        {
            rules.InsertRange(0, earlier);
        }
        resource.AddMetadata("cdk_nag", new Dictionary<string, object> { ["rules_to_suppress"] = rules.ToArray() });
    }

    private object Entry(NagSuppression suppression)
    {
        var entry = new Dictionary<string, object> { ["id"] = suppression.RuleId, ["reason"] = suppression.Reason };
        if (suppression.AppliesTo.Count > 0)
        {
            entry["applies_to"] = suppression.AppliesTo.Select(a => a.Replace("{Region}", region, StringComparison.Ordinal).Replace("{Account}", account, StringComparison.Ordinal)).ToArray();
        }
        return entry;
    }

    private const string Iam4 = "AwsSolutions-IAM4";
    private const string Iam5 = "AwsSolutions-IAM5";
    private const string ManagedPolicy = "Policy::arn:<AWS::Partition>:iam::aws:policy/";

    /// <summary>Accepted findings of every environment's platform stack (paths relative to the stack).</summary>
    public static readonly IReadOnlyList<NagSuppression> Platform =
    [
        new()
        {
            RuleId = "AwsSolutions-EC23",
            Paths = ["Edge/SecurityGroup/Resource"],
            Reason = "the internet-facing load balancer serves the public API: its production listener (and the HTTP-to-HTTPS redirect) must accept any IPv4 address; the test listener admits only the VPC and its NAT addresses",
        },
        new()
        {
            RuleId = "AwsSolutions-ECS2",
            Paths = ["Services/ApiTaskDefinition/Resource", "Services/WorkerTaskDefinition/Resource"],
            Reason = "the environment variables are non-secret settings (store kind, environment name, pool size, region, transaction-log bucket and prefix); database credentials, the card-fingerprint key and merchant keys are injected from Secrets Manager as container secrets",
        },
        new()
        {
            RuleId = Iam5,
            Paths = ["Services/ApiExecutionRole/DefaultPolicy/Resource", "Services/WorkerExecutionRole/DefaultPolicy/Resource"],
            AppliesTo = ["Resource::*"],
            Reason = "ecr:GetAuthorizationToken has no resource-level permissions; image pulls, log writes and secret reads of the execution role are scoped to their resources",
        },
        new()
        {
            RuleId = Iam5,
            Paths = ["Services/ApiTaskRole/DefaultPolicy/Resource", "Services/WorkerTaskRole/DefaultPolicy/Resource"],
            AppliesTo = ["Resource::*", "Resource::arn:<AWS::Partition>:logs:{Region}:{Account}:log-group:<ServicesExecLogsC71B4A78>:*"],
            Reason = "ECS Exec: the ssmmessages channel actions and logs:DescribeLogGroups have no resource-level permissions, and session logs go to streams created at run time in the one exec log group",
        },
        new()
        {
            RuleId = Iam5,
            Paths = ["Services/WorkerTaskRole/DefaultPolicy/Resource"],
            AppliesTo = ["Resource::<TransactionLog186CAD1E.Arn>/transaction-log/*"],
            Reason = "the relay writes one new object per exported batch, named at run time, under the transaction-log/ prefix (s3:PutObject and s3:AbortMultipartUpload only)",
        },
        new()
        {
            RuleId = "AwsSolutions-SMG4",
            Paths = ["Services/CardFingerprintKey/Resource"],
            Reason = "the HMAC key behind card fingerprints: rotating it would change every fingerprint and break duplicate-card matching, so it is only ever replaced by a planned re-keying",
        },
        new()
        {
            RuleId = "AwsSolutions-SMG4",
            Paths = ["BlueGreen/SmokeMerchant/Resource"],
            Reason = "the smoke merchant's API key is injected into the api tasks at start and read by the pre-traffic hook; a rotation would make the two disagree until every task is replaced, failing the next release",
        },
        new()
        {
            RuleId = "AwsSolutions-SMG4",
            Paths = ["VerificationMerchant/Resource/Resource"],
            Reason = "the post-deploy verification merchant's API key is injected into the api tasks at start and read by each verification run; a rotation would fail every verification (and so the release) until all tasks are replaced",
        },
        new()
        {
            RuleId = "AwsSolutions-RDS3",
            Paths = ["Database/Resource/Resource"],
            When = env => !env.DatabaseMultiAz,
            Reason = "single-AZ by the environment table outside prod (cost; an AZ outage of dev or staging is acceptable); prod runs Multi-AZ",
        },
        new()
        {
            RuleId = "AwsSolutions-RDS10",
            Paths = ["Database/Resource/Resource"],
            When = env => !env.DatabaseDeletionProtection,
            Reason = "dev and staging are torn down with cdk destroy (environment table: destroy on delete); prod has deletion protection",
        },
        new()
        {
            RuleId = "AwsSolutions-RDS11",
            Paths = ["Database/Resource/Resource"],
            Reason = "the default PostgreSQL port: the instance sits in isolated subnets and admits only the api and worker security groups, so another port would add no protection and break tooling defaults",
        },
        new()
        {
            RuleId = Iam4,
            Paths = ["BlueGreen/ServiceRole/Resource"],
            AppliesTo = [ManagedPolicy + "AWSCodeDeployRoleForECS"],
            Reason = "the AWS-managed service-role policy CodeDeploy ECS blue/green is documented to use; AWS keeps it in step with the actions CodeDeploy calls",
        },
        new()
        {
            RuleId = Iam5,
            Paths = ["BlueGreen/ServiceRole/DefaultPolicy/Resource"],
            AppliesTo = ["Resource::<BlueGreenPreTrafficHook5EE8230A.Arn>:*"],
            Reason = "CodeDeploy may invoke the pre-traffic hook by qualified ARN; the wildcard covers versions and aliases of that one function",
        },
        new()
        {
            RuleId = Iam4,
            Paths = ["BlueGreen/PreTrafficHook/Resource/ServiceRole/Resource"],
            AppliesTo = [ManagedPolicy + "service-role/AWSLambdaBasicExecutionRole", ManagedPolicy + "service-role/AWSLambdaVPCAccessExecutionRole"],
            Reason = "the AWS-managed execution policies of a Lambda function in a VPC: its own log writes, and the network-interface actions, which have no resource-level permissions",
        },
        new()
        {
            RuleId = Iam4,
            Paths = ["Custom::S3AutoDeleteObjectsCustomResourceProvider/Role"],
            AppliesTo = [ManagedPolicy + "service-role/AWSLambdaBasicExecutionRole"],
            Reason = "CDK's own bucket auto-delete provider, only where buckets are destroyed with the stack (dev, staging): CDK generates its role with the basic Lambda execution policy",
        },
    ];

    private static readonly string[] ArtifactReadActions = ["Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Resource::<Artifacts82DD59A1.Arn>/*"];
    private static readonly string[] ArtifactWriteActions = ["Action::s3:DeleteObject*", "Action::s3:Abort*", "Action::kms:ReEncrypt*", "Action::kms:GenerateDataKey*"];
    private const string ArtifactReason =
        "CDK's grant on the pipeline's own artifact bucket and delivery key, through which CodePipeline actions exchange artifacts and builds keep their cache: scoped to that one bucket and key";

    private static readonly string[] VerificationRolePolicies =
        [.. EnvironmentTable.Names.Select(env => $"Verification/{env}/Role/DefaultPolicy/Resource")];

    private static string[] BuildProjectResources(string logicalId) =>
    [
        $"Resource::arn:<AWS::Partition>:logs:{{Region}}:{{Account}}:log-group:/aws/codebuild/<{logicalId}>:*",
        $"Resource::arn:<AWS::Partition>:codebuild:{{Region}}:{{Account}}:report-group/<{logicalId}>-*",
    ];

    /// <summary>Accepted findings of the delivery (pipeline) stack.</summary>
    public static readonly IReadOnlyList<NagSuppression> Delivery =
    [
        new()
        {
            RuleId = "AwsSolutions-S1",
            Paths = ["Artifacts/Resource"],
            Reason = "the pipeline's artifact store: only the pipeline and its build roles use it, each execution's artifacts are recorded in CodePipeline's history, and objects expire after 30 days",
        },
        new()
        {
            RuleId = "AwsSolutions-S1",
            Paths = ["Source/Resource"],
            Reason = "the release-bundle drop: versioned (old versions kept 90 days), and every upload starts a pipeline execution that records the object version it released",
        },
        new()
        {
            RuleId = Iam5,
            Paths =
            [
                "Test/Role/DefaultPolicy/Resource", "Scan/Role/DefaultPolicy/Resource", "Image/Role/DefaultPolicy/Resource", "Infra/Role/DefaultPolicy/Resource",
                "Release/Role/DefaultPolicy/Resource", .. VerificationRolePolicies, "Pipeline/Role/DefaultPolicy/Resource", "Pipeline/Source/S3/CodePipelineActionRole/DefaultPolicy/Resource",
                "Pipeline/Source/GitHub/CodePipelineActionRole/DefaultPolicy/Resource",
            ],
            AppliesTo = [.. ArtifactReadActions, .. ArtifactWriteActions],
            Reason = ArtifactReason,
        },
        new()
        {
            RuleId = Iam5,
            Paths =
            [
                "Pipeline/Deploy-dev/BlueGreen/CodePipelineActionRole/DefaultPolicy/Resource",
                "Pipeline/Deploy-staging/BlueGreen/CodePipelineActionRole/DefaultPolicy/Resource",
                "Pipeline/Deploy-prod/BlueGreen/CodePipelineActionRole/DefaultPolicy/Resource",
            ],
            AppliesTo = ArtifactReadActions,
            Reason = ArtifactReason + " (read only)",
        },
        new()
        {
            RuleId = Iam5,
            Paths =
            [
                "Pipeline/Deploy-dev/BlueGreen/CodePipelineActionRole/DefaultPolicy/Resource",
                "Pipeline/Deploy-staging/BlueGreen/CodePipelineActionRole/DefaultPolicy/Resource",
                "Pipeline/Deploy-prod/BlueGreen/CodePipelineActionRole/DefaultPolicy/Resource",
            ],
            AppliesTo = ["Resource::*"],
            Reason = "CDK's CodeDeploy ECS action: ecs:RegisterTaskDefinition has no resource-level permissions, and iam:PassRole is limited to ecs-tasks.amazonaws.com because the roles are named in each release's taskdef.json",
        },
        new() { RuleId = Iam5, Paths = ["Test/Role/DefaultPolicy/Resource"], AppliesTo = BuildProjectResources("Test7BFAF513"), Reason = BuildProjectReason },
        new() { RuleId = Iam5, Paths = ["Scan/Role/DefaultPolicy/Resource"], AppliesTo = BuildProjectResources("ScanA854D402"), Reason = BuildProjectReason },
        new() { RuleId = Iam5, Paths = ["Image/Role/DefaultPolicy/Resource"], AppliesTo = BuildProjectResources("Image9D742C96"), Reason = BuildProjectReason },
        new() { RuleId = Iam5, Paths = ["Infra/Role/DefaultPolicy/Resource"], AppliesTo = BuildProjectResources("InfraB47B425B"), Reason = BuildProjectReason },
        new() { RuleId = Iam5, Paths = ["Release/Role/DefaultPolicy/Resource"], AppliesTo = BuildProjectResources("Release6218179A"), Reason = BuildProjectReason },
        new() { RuleId = Iam5, Paths = ["Verification/dev/Role/DefaultPolicy/Resource"], AppliesTo = BuildProjectResources("Verificationdev6D74D105"), Reason = BuildProjectReason },
        new() { RuleId = Iam5, Paths = ["Verification/staging/Role/DefaultPolicy/Resource"], AppliesTo = BuildProjectResources("Verificationstaging704FA1FB"), Reason = BuildProjectReason },
        new() { RuleId = Iam5, Paths = ["Verification/prod/Role/DefaultPolicy/Resource"], AppliesTo = BuildProjectResources("VerificationprodEE12C7F2"), Reason = BuildProjectReason },
        new()
        {
            RuleId = Iam5,
            Paths = ["Image/Role/DefaultPolicy/Resource"],
            AppliesTo = ["Resource::*"],
            Reason = "ecr:GetAuthorizationToken has no resource-level permissions; pushes, pulls and scan-finding reads are scoped to the environment repositories",
        },
        new()
        {
            RuleId = Iam5,
            Paths = ["Release/Role/DefaultPolicy/Resource"],
            AppliesTo = ["Resource::*"],
            Reason = "ecs:DescribeTaskDefinition has no resource-level permissions (the live api revision is read to render the release); the promotion tag's image reads and puts are scoped to the environment repositories",
        },
        .. EnvironmentTable.Names.Select(env => new NagSuppression
        {
            RuleId = Iam5,
            Paths = ["Release/Role/DefaultPolicy/Resource", $"Verification/{env}/Role/DefaultPolicy/Resource"],
            AppliesTo = [$"Resource::arn:<AWS::Partition>:cloudformation:{{Region}}:{{Account}}:stack/payments-{env}-platform/*"],
            When = delivered => delivered.Name == env,
            Reason = $"cloudformation:DescribeStacks (the stack outputs) on the {env} platform stack by name; the trailing wildcard is the stack id CloudFormation assigns",
        }),
        new()
        {
            RuleId = Iam5,
            Paths = VerificationRolePolicies,
            AppliesTo = ["Resource::arn:<AWS::Partition>:secretsmanager:{Region}:{Account}:secret:*"],
            Reason = "secretsmanager:GetSecretValue on the verification merchant's secret, whose name CloudFormation generates (a retained fixed name would block re-creation): a condition on its payments:verification-merchant tag limits the read to the one secret of the project's own environment",
        },
        new()
        {
            RuleId = Iam5,
            Paths = VerificationRolePolicies,
            AppliesTo = ["Resource::arn:<AWS::Partition>:kms:{Region}:{Account}:key/*"],
            Reason = "kms:Decrypt of the environment key, whose id lives in the platform stack: conditions limit it to that key's alias (kms:ResourceAliases) and to calls made through Secrets Manager and S3 (kms:ViaService)",
        },
        .. EnvironmentTable.Names.Select(env => new NagSuppression
        {
            RuleId = Iam5,
            Paths = [$"Verification/{env}/Role/DefaultPolicy/Resource"],
            AppliesTo = [$"Resource::arn:<AWS::Partition>:s3:::payments-{env}-transaction-log-<AWS::AccountId>-<AWS::Region>/transaction-log/*"],
            Reason = "s3:GetObject only, on the objects the worker exports under the transaction-log/ prefix (named at run time), so the suite can check that its own payments' events reach the log",
        }),
        new()
        {
            RuleId = Iam5,
            Paths = ["Notifications/Watchdog/ServiceRole/DefaultPolicy/Resource"],
            AppliesTo = ["Resource::*"],
            Reason = "cloudwatch:PutMetricData has no resource-level permissions; a condition limits it to the Payments/Delivery namespace",
        },
        new()
        {
            RuleId = Iam4,
            Paths = ["Notifications/Watchdog/ServiceRole/Resource"],
            AppliesTo = [ManagedPolicy + "service-role/AWSLambdaBasicExecutionRole"],
            Reason = "the AWS-managed basic Lambda execution policy: the watchdog function writes its own logs and nothing else",
        },
    ];

    private const string BuildProjectReason =
        "CDK's CodeBuild project grant: log streams and test reports are created per build, under this project's own log group and report-group prefix";
}
