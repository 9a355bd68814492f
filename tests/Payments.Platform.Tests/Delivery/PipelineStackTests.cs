using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Payments.Api.Hosting;
using Payments.Platform.Delivery;

namespace Payments.Platform.Tests.Delivery;

// Same collection as the platform tests: CDK's jsii runtime must not load its modules from two threads at once.
[Collection(SynthesizedApp.Name)]
public sealed class PipelineStackTests(DeliveredApp app) : IClassFixture<DeliveredApp>
{
    private static JsonObject PipelineResource(Template template) => TemplateJson.Single(template, "AWS::CodePipeline::Pipeline")["Properties"]!.AsObject();

    private static List<JsonObject> Stages(Template template) => PipelineResource(template)["Stages"]!.AsArray().Select(s => s!.AsObject()).ToList();

    private static JsonObject Action(Template template, string stage, string action) =>
        Stages(template).Single(s => (string?)s["Name"] == stage)["Actions"]!.AsArray().Select(a => a!.AsObject()).Single(a => (string?)a["Name"] == action);

    [Fact]
    public void The_pipeline_is_V2_queued_and_does_not_mutate_itself()
    {
        var pipeline = PipelineResource(app.Pipeline);
        Assert.Equal("V2", (string?)pipeline["PipelineType"]);
        Assert.Equal("QUEUED", (string?)pipeline["ExecutionMode"]);
        Assert.False(pipeline["RestartExecutionOnUpdate"] is JsonValue restart && (bool)restart);
    }

    [Fact]
    public void Stages_promote_dev_then_staging_then_an_approval_then_prod()
    {
        Assert.Equal(["Source", "Build", "Deploy-dev", "Deploy-staging", "Approve-prod", "Deploy-prod"], Stages(app.Pipeline).Select(s => (string)s["Name"]!).ToList());
        var approval = Action(app.Pipeline, "Approve-prod", "Approve-prod");
        Assert.Equal("Approval", (string?)approval["ActionTypeId"]!["Category"]);
        Assert.NotNull(approval["Configuration"]!["NotificationArn"]);
    }

    [Fact]
    public void Test_and_scan_run_in_parallel_before_the_image_build_whose_only_output_is_the_image_artifact()
    {
        var build = Stages(app.Pipeline).Single(s => (string?)s["Name"] == "Build")["Actions"]!.AsArray();
        var runOrder = build.ToDictionary(a => (string)a!["Name"]!, a => (int)a!["RunOrder"]!);
        Assert.Equal(new Dictionary<string, int> { ["Test"] = 1, ["VulnerabilityScan"] = 1, ["Image"] = 2 }, runOrder);
        Assert.Equal([PipelineStack.ImageArtifactName], Outputs(Action(app.Pipeline, "Build", "Image")));
        // Seed 001: scanning not integrated. The scan action runs the dependency scan buildspec.
        var scanProject = TemplateJson.Resources(app.Pipeline, "AWS::CodeBuild::Project")
            .Single(p => p.LogicalId == Action(app.Pipeline, "Build", "VulnerabilityScan")["Configuration"]!["ProjectName"]!["Ref"]!.ToString()).Resource;
        Assert.Equal("buildspecs/scan.yml", (string?)scanProject["Properties"]!["Source"]!["BuildSpec"]);
    }

    private static List<string> Inputs(JsonObject action) => action["InputArtifacts"]?.AsArray().Select(a => (string)a!["Name"]!).ToList() ?? [];

    private static List<string> Outputs(JsonObject action) => action["OutputArtifacts"]?.AsArray().Select(a => (string)a!["Name"]!).ToList() ?? [];

    [Fact]
    public void No_deploy_action_can_run_without_the_artifact_the_image_scan_gate_writes()
    {
        // build-image.sh writes image.json only after the scan gate passed (ImageBuildTests); CodePipeline
        // never starts an action whose input artifact was not produced. So every deploying action must take
        // the image artifact, or an artifact made in its stage from it, before it can run.
        var deployStages = Stages(app.Pipeline).Where(s => ((string)s["Name"]!).StartsWith("Deploy-", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, deployStages.Count);
        foreach (var stage in deployStages)
        {
            var gated = new HashSet<string> { PipelineStack.ImageArtifactName };
            foreach (var action in stage["Actions"]!.AsArray().Select(a => a!.AsObject()).OrderBy(a => (int)a["RunOrder"]!))
            {
                Assert.True(Inputs(action).Any(gated.Contains), $"{stage["Name"]}/{action["Name"]} consumes {string.Join(", ", Inputs(action))}: none comes from the image scan gate");
                gated.UnionWith(Outputs(action));
            }
        }
        var producers = Stages(app.Pipeline).SelectMany(s => s["Actions"]!.AsArray()).Where(a => Outputs(a!.AsObject()).Contains(PipelineStack.ImageArtifactName)).ToList();
        Assert.Equal("Image", (string?)Assert.Single(producers)!["Name"]);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void Each_environment_deploys_infrastructure_then_renders_its_release_then_blue_green_through_CodeDeploy(string env)
    {
        var infra = Action(app.Pipeline, $"Deploy-{env}", "Infrastructure");
        Assert.Equal(1, (int)infra["RunOrder"]!);
        Assert.Equal(["source", "synth", "image"], Inputs(infra));
        Assert.Contains($"\"value\":\"{env}\"", infra["Configuration"]!["EnvironmentVariables"]!.ToString(), StringComparison.Ordinal);

        // After its own infrastructure deploy: the release carries the revision that deploy registered.
        var release = Action(app.Pipeline, $"Deploy-{env}", "Release");
        Assert.Equal(2, (int)release["RunOrder"]!);
        Assert.Equal(["source", "image"], Inputs(release));
        Assert.Equal([$"release_{env}"], Outputs(release));

        var deploy = Action(app.Pipeline, $"Deploy-{env}", "BlueGreen");
        Assert.Equal(3, (int)deploy["RunOrder"]!);
        Assert.Equal("CodeDeployToECS", (string?)deploy["ActionTypeId"]!["Provider"]);
        var configuration = deploy["Configuration"]!;
        Assert.Equal($"payments-{env}", (string?)configuration["ApplicationName"]);
        Assert.Equal($"payments-{env}-api", (string?)configuration["DeploymentGroupName"]);
        Assert.Equal($"release_{env}", (string?)configuration["TaskDefinitionTemplateArtifact"]);
        Assert.Equal("taskdef.json", (string?)configuration["TaskDefinitionTemplatePath"]);
        Assert.Equal($"release_{env}", (string?)configuration["AppSpecTemplateArtifact"]);
        Assert.Equal("appspec.yaml", (string?)configuration["AppSpecTemplatePath"]);
        Assert.Equal($"release_{env}", (string?)configuration["Image1ArtifactName"]);
        Assert.Equal("IMAGE1_NAME", (string?)configuration["Image1ContainerName"]);
    }

    [Fact]
    public void The_default_source_is_a_versioned_S3_key_started_by_EventBridge_without_polling()
    {
        var source = Action(app.Pipeline, "Source", "S3");
        Assert.Equal("S3", (string?)source["ActionTypeId"]!["Provider"]);
        Assert.Equal(DeliverySettings.DefaultSourceObjectKey, (string?)source["Configuration"]!["S3ObjectKey"]);
        Assert.Equal("false", source["Configuration"]!["PollForSourceChanges"]!.ToString().ToLowerInvariant());
        app.Pipeline.HasResourceProperties("AWS::S3::Bucket", Match.ObjectLike(new Dictionary<string, object>
        {
            ["VersioningConfiguration"] = new Dictionary<string, object> { ["Status"] = "Enabled" },
        }));
        app.Pipeline.HasResourceProperties("AWS::Events::Rule", Match.ObjectLike(new Dictionary<string, object>
        {
            ["EventPattern"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["source"] = new[] { "aws.s3" },
                ["detail-type"] = new[] { "Object Created" },
                ["detail"] = Match.ObjectLike(new Dictionary<string, object>
                {
                    ["object"] = new Dictionary<string, object> { ["key"] = new[] { DeliverySettings.DefaultSourceObjectKey } },
                }),
            }),
            ["Targets"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object> { ["Arn"] = Match.AnyValue(), ["RoleArn"] = Match.AnyValue() })]),
        }));
    }

    [Fact]
    public void The_GitHub_source_goes_through_the_CodeStar_connection_and_tags_images_with_the_commit()
    {
        var source = Action(app.GitHubPipeline, "Source", "GitHub");
        Assert.Equal("CodeStarSourceConnection", (string?)source["ActionTypeId"]!["Provider"]);
        Assert.Equal(DeliveredApp.ConnectionArn, (string?)source["Configuration"]!["ConnectionArn"]);
        Assert.Equal("example-org/payments", (string?)source["Configuration"]!["FullRepositoryId"]);
        Assert.Equal("release", (string?)source["Configuration"]!["BranchName"]);
        Assert.Contains("#{Source.CommitId}", Action(app.GitHubPipeline, "Build", "Image")["Configuration"]!["EnvironmentVariables"]!.ToString(), StringComparison.Ordinal);
        // The Test action synthesizes the deployed assembly with the same commit as image tag.
        Assert.Contains("#{Source.CommitId}", Action(app.GitHubPipeline, "Build", "Test")["Configuration"]!["EnvironmentVariables"]!.ToString(), StringComparison.Ordinal);
        app.GitHubPipeline.ResourceCountIs("AWS::S3::Bucket", 1);
    }

    [Fact]
    public void No_OAuth_tokens_webhooks_or_CodeCommit_anywhere()
    {
        foreach (var template in new[] { app.Pipeline, app.GitHubPipeline })
        {
            var json = TemplateJson.Of(template).ToJsonString();
            template.ResourceCountIs("AWS::CodePipeline::Webhook", 0);
            template.ResourceCountIs("AWS::CodeCommit::Repository", 0);
            Assert.DoesNotContain("OAuthToken", json, StringComparison.Ordinal);
            Assert.DoesNotContain("CodeCommit", json, StringComparison.Ordinal);
            Assert.DoesNotContain("\"Provider\":\"GitHub\"", json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Artifact_and_source_buckets_are_KMS_encrypted_TLS_only_and_private()
    {
        var buckets = TemplateJson.Resources(app.Pipeline, "AWS::S3::Bucket");
        Assert.Equal(2, buckets.Count);
        foreach (var (_, bucket) in buckets)
        {
            var properties = bucket["Properties"]!;
            var encryption = properties["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!;
            Assert.Equal("aws:kms", (string?)encryption["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
            Assert.NotNull(encryption["ServerSideEncryptionByDefault"]!["KMSMasterKeyID"]);
            var block = properties["PublicAccessBlockConfiguration"]!.AsObject();
            Assert.All(new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }, k => Assert.True((bool)block[k]!));
        }
        var policies = TemplateJson.Resources(app.Pipeline, "AWS::S3::BucketPolicy");
        Assert.Equal(2, policies.Count);
        foreach (var (_, policy) in policies)
        {
            var denyInsecure = policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()
                .Single(s => (string?)s!["Effect"] == "Deny" && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.ToString() == "false");
            Assert.Equal("s3:*", (string?)denyInsecure!["Action"]);
        }
        app.Pipeline.HasResourceProperties("AWS::KMS::Key", Match.ObjectLike(new Dictionary<string, object> { ["EnableKeyRotation"] = true }));
    }

    [Fact]
    public void Build_projects_use_the_repository_buildspecs_with_caches_and_encrypted_logs()
    {
        var projects = TemplateJson.Resources(app.Pipeline, "AWS::CodeBuild::Project").Select(p => p.Resource["Properties"]!).ToList();
        // One post-deploy verification project per environment (PostDeployVerificationTests), one of each other.
        var bySpec = projects.GroupBy(p => (string)p["Source"]!["BuildSpec"]!).ToDictionary(g => g.Key, g => g.First());
        Assert.Equal(["buildspecs/image.yml", "buildspecs/infra.yml", "buildspecs/release.yml", "buildspecs/scan.yml", "buildspecs/test.yml", "buildspecs/verify.yml"], bySpec.Keys.Order().ToList());
        foreach (var spec in bySpec.Keys)
        {
            Assert.True(File.Exists(Path.Combine(Repository.Root, spec)), spec);
            var project = bySpec[spec];
            Assert.NotNull(project["EncryptionKey"]);
            Assert.NotNull(project["LogsConfig"]!["CloudWatchLogs"]!["GroupName"]);
            Assert.Equal("aws/codebuild/standard:7.0", (string?)project["Environment"]!["Image"]);
        }
        Assert.Equal("S3", (string?)bySpec["buildspecs/test.yml"]["Cache"]!["Type"]);
        Assert.Equal("LOCAL", (string?)bySpec["buildspecs/image.yml"]["Cache"]!["Type"]);
        Assert.True((bool)bySpec["buildspecs/image.yml"]["Environment"]!["PrivilegedMode"]!);
        Assert.False((bool)bySpec["buildspecs/test.yml"]["Environment"]!["PrivilegedMode"]!);
    }

    private static Dictionary<string, string> Variables(JsonNode? variables) => variables!.AsArray()
        .Where(v => v!["Value"] is JsonValue)
        .ToDictionary(v => (string)v!["Name"]!, v => v!["Value"]!.ToString());

    private Dictionary<string, string> ProjectVariables(string buildspec) => Variables(TemplateJson.Resources(app.Pipeline, "AWS::CodeBuild::Project")
        .Select(p => p.Resource["Properties"]!)
        .Single(p => (string?)p["Source"]!["BuildSpec"] == buildspec)["Environment"]!["EnvironmentVariables"]);

    [Fact]
    public void The_image_build_knows_each_environment_repository_with_the_scan_repository_first()
    {
        var variables = ProjectVariables("buildspecs/image.yml");
        Assert.Equal("dev staging prod", variables["ENVIRONMENTS"]);
        foreach (var env in new[] { "dev", "staging", "prod" })
        {
            Assert.Equal($"payments-{env}/api", variables[$"ECR_REPOSITORY_{env.ToUpperInvariant()}"]);
        }
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void Each_release_action_names_its_environment_and_the_api_services_capacity_providers(string env)
    {
        var project = ProjectVariables("buildspecs/release.yml");
        Assert.Equal("api", project["CONTAINER_NAME"]);
        Assert.Equal(ServiceContract.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), project["CONTAINER_PORT"]);
        // CodePipeline's action configuration holds them as a JSON string of {name, type, value}.
        var action = JsonNode.Parse((string)Action(app.Pipeline, $"Deploy-{env}", "Release")["Configuration"]!["EnvironmentVariables"]!)!.AsArray()
            .ToDictionary(v => (string)v!["name"]!, v => (string)v!["value"]!);
        Assert.Equal($"payments-{env}/api", action["ECR_REPOSITORY"]);
        Assert.Equal($"payments-{env}-api", action["TASK_FAMILY"]);
        Assert.Equal($"payments-{env}-platform", action["PLATFORM_STACK"]);
        Assert.Equal($"payments-{env}-pre-traffic-hook", action["HOOK_FUNCTION"]);
        // The replacement task set must run where the service runs: the strategy the platform synthesized.
        var service = TemplateJson.Resources(app.Platform[env], "AWS::ECS::Service")
            .Single(s => s.Resource["Properties"]!["ServiceName"]?.ToString() == $"payments-{env}-api").Resource;
        Assert.True(JsonNode.DeepEquals(service["Properties"]!["CapacityProviderStrategy"], JsonNode.Parse(action["CAPACITY_PROVIDER_STRATEGY"])),
            $"{service["Properties"]!["CapacityProviderStrategy"]!.ToJsonString()} vs {action["CAPACITY_PROVIDER_STRATEGY"]}");
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void The_names_the_pipeline_relies_on_exist_in_each_platform_stack(string env)
    {
        var platform = app.Platform[env];
        platform.HasResourceProperties("AWS::ECR::Repository", Match.ObjectLike(new Dictionary<string, object> { ["RepositoryName"] = $"payments-{env}/api" }));
        platform.HasResourceProperties("AWS::ECS::TaskDefinition", Match.ObjectLike(new Dictionary<string, object> { ["Family"] = $"payments-{env}-api" }));
        // release-environment.sh renders each release from the revision in this output of stack PLATFORM_STACK.
        var apiTaskDefinition = TemplateJson.Resources(platform, "AWS::ECS::TaskDefinition").Single(t => t.Resource["Properties"]!["Family"]?.ToString() == $"payments-{env}-api").LogicalId;
        var output = TemplateJson.Of(platform)["Outputs"]![Payments.Platform.Stacks.PlatformStack.ApiTaskDefinitionArnOutput]!;
        Assert.Equal($"{{\"Ref\":\"{apiTaskDefinition}\"}}", output["Value"]!.ToJsonString());
        platform.HasResourceProperties("AWS::CodeDeploy::Application", Match.ObjectLike(new Dictionary<string, object> { ["ApplicationName"] = $"payments-{env}", ["ComputePlatform"] = "ECS" }));
        platform.HasResourceProperties("AWS::CodeDeploy::DeploymentGroup", Match.ObjectLike(new Dictionary<string, object> { ["DeploymentGroupName"] = $"payments-{env}-api" }));
        platform.HasResourceProperties("AWS::Lambda::Function", Match.ObjectLike(new Dictionary<string, object> { ["FunctionName"] = $"payments-{env}-pre-traffic-hook" }));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void The_deploy_action_may_read_the_deployment_config_its_group_uses(string env)
    {
        // The config the environment's deployment group really has (platform stack), not the one the pipeline assumes.
        var group = TemplateJson.Single(app.Platform[env], "AWS::CodeDeploy::DeploymentGroup")["Properties"]!;
        var configName = (string)group["DeploymentConfigName"]!;
        var role = Action(app.Pipeline, $"Deploy-{env}", "BlueGreen")["RoleArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var access = new TemplateAccess(TemplateJson.Of(app.Pipeline), DeliveredApp.Account, DeliveredApp.Region);
        var arn = $"arn:aws:codedeploy:{DeliveredApp.Region}:{DeliveredApp.Account}:deploymentconfig:{configName}";
        Assert.Equal((configName, Payments.Preflight.Permissions.Answer.Allowed), (configName, access.AskArn(access.Role(role), "codedeploy:GetDeploymentConfig", arn)));
    }

    [Fact]
    public void The_test_action_synthesizes_for_deployment()
    {
        // Its cdk.out is what the Infrastructure actions deploy, so its synth must refuse a prod without configuration.
        var project = TemplateJson.Resources(app.Pipeline, "AWS::CodeBuild::Project")
            .Single(p => p.Resource["Properties"]!["Description"]!.ToString().Contains("buildspecs/test.yml", StringComparison.Ordinal)).Resource;
        var variables = project["Properties"]!["Environment"]!["EnvironmentVariables"]!.AsArray();
        Assert.Contains(variables, v => (string?)v!["Name"] == Payments.Platform.Environments.PlatformSettings.DeployVariable && (string?)v["Value"] == "true");
    }

    [Fact]
    public void Every_template_the_pipeline_deploys_refuses_an_old_or_missing_cdk_bootstrap()
    {
        // Seed 000 half-deployed against a broken CDKToolkit stack. CDK's bootstrap version check makes
        // CloudFormation refuse up front, with a message naming `cdk bootstrap`.
        foreach (var template in app.Platform.Values.Append(app.Pipeline))
        {
            var json = TemplateJson.Of(template);
            Assert.Equal("/cdk-bootstrap/hnb659fds/version", (string?)json["Parameters"]!["BootstrapVersion"]!["Default"]);
            var assertions = json["Rules"]!["CheckBootstrapVersion"]!["Assertions"]!.AsArray();
            Assert.Contains(assertions, a => ((string?)a!["AssertDescription"])?.Contains("cdk bootstrap", StringComparison.Ordinal) == true);
        }
    }
}
