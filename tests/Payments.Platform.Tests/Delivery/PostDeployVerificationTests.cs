using System.Text.Json.Nodes;
using Payments.Platform.Delivery;
using Payments.Platform.Stacks;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// The post-deploy verification as the pipeline runs it: the last action of each environment's stage, a
/// build outside the VPC that reaches the internet-facing load balancer, a role that reads only its own
/// environment, and the platform side it relies on (the merchant, its secret, the outputs).
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class PostDeployVerificationTests(DeliveredApp app) : IClassFixture<DeliveredApp>, IDisposable
{
    public static readonly TheoryData<string> Environments = new() { "dev", "staging", "prod" };

    private readonly string work = Directory.CreateTempSubdirectory("verify-deployment-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    private JsonArray StageActions(string env) =>
        TemplateJson.Single(app.Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!.AsArray()
            .Single(s => (string?)s!["Name"] == $"Deploy-{env}")!["Actions"]!.AsArray();

    private (string LogicalId, JsonObject Properties) VerificationProjectResource(string env) =>
        TemplateJson.Resources(app.Pipeline, "AWS::CodeBuild::Project")
            .Select(p => (p.LogicalId, Properties: p.Resource["Properties"]!.AsObject()))
            .Single(p => (string?)p.Properties["Source"]!["BuildSpec"] == PostDeployVerification.BuildSpecFile
                && p.Properties["Environment"]!["EnvironmentVariables"]!.AsArray().Any(v => (string?)v!["Name"] == "ENVIRONMENT" && (string?)v["Value"] == env));

    private JsonObject VerificationProject(string env) => VerificationProjectResource(env).Properties;

    // An intrinsic string as text: {"Ref": X} becomes ${X}, Fn::Join is joined.
    private static string Render(JsonNode node) => node switch
    {
        JsonValue value => (string)value!,
        JsonObject o when o["Ref"] is { } reference => $"${{{(string)reference!}}}",
        JsonObject o when o["Fn::Join"] is JsonArray join => string.Join((string)join[0]!, join[1]!.AsArray().Select(part => Render(part!))),
        _ => throw new InvalidOperationException($"cannot render {node.ToJsonString()}"),
    };

    private static string? Variable(JsonObject project, string name) =>
        (string?)project["Environment"]!["EnvironmentVariables"]!.AsArray().SingleOrDefault(v => (string?)v!["Name"] == name)?["Value"];

    [Theory]
    [MemberData(nameof(Environments))]
    public void Each_environment_is_verified_last_after_its_blue_green_deployment(string env)
    {
        var actions = StageActions(env);
        var verify = actions.Single(a => (string?)a!["Name"] == PostDeployVerification.ActionName)!;
        var others = actions.Where(a => a != verify).Select(a => (int)a!["RunOrder"]!).ToList();
        Assert.True((int)verify["RunOrder"]! > others.Max(), $"Verify must run after every other action of Deploy-{env}");
        Assert.Equal("CodeBuild", (string?)verify["ActionTypeId"]!["Provider"]);
        // the image scan gate's artifact too: no action of a deploy stage runs for a build that did not pass it
        Assert.Equal(["source", "image"], verify["InputArtifacts"]!.AsArray().Select(a => (string)a!["Name"]!).ToList());

        var project = VerificationProject(env);
        Assert.Equal($"payments-{env}-platform", Variable(project, "PLATFORM_STACK"));
        Assert.True(File.Exists(Path.Combine(Repository.Root, PostDeployVerification.BuildSpecFile)));
    }

    [Fact]
    public void The_build_runs_outside_the_VPC_because_the_production_listener_is_public()
    {
        foreach (var env in Environments)
        {
            Assert.Null(VerificationProject(env)["VpcConfig"]);
            var platform = TemplateJson.Of(app.Platform[env]);
            var loadBalancer = TemplateJson.Single(app.Platform[env], "AWS::ElasticLoadBalancingV2::LoadBalancer");
            Assert.Equal("internet-facing", (string?)loadBalancer["Properties"]!["Scheme"]);
            var prodPort = (int)TemplateJson.Resources(app.Platform[env], "AWS::ElasticLoadBalancingV2::Listener")
                .Single(l => l.LogicalId.Contains("ProdListener", StringComparison.Ordinal)).Resource["Properties"]!["Port"]!;
            var ingress = platform["Resources"]!.AsObject()
                .Where(r => (string?)r.Value!["Type"] == "AWS::EC2::SecurityGroup")
                .SelectMany(r => r.Value!["Properties"]!["SecurityGroupIngress"]?.AsArray() ?? [])
                .Select(rule => rule!.AsObject());
            Assert.Contains(ingress, rule => (string?)rule["CidrIp"] == "0.0.0.0/0" && (int?)rule["FromPort"] == prodPort);
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_role_reads_only_its_environments_outputs_key_secret_and_transaction_log(string env)
    {
        var statements = RoleStatements(env);
        var describe = Assert.Single(statements, s => Actions(s).Contains("cloudformation:DescribeStacks"));
        Assert.EndsWith($":stack/payments-{env}-platform/*", Render(describe["Resource"]!), StringComparison.Ordinal);

        var secret = Assert.Single(statements, s => Actions(s).Contains("secretsmanager:GetSecretValue"));
        Assert.Equal(env, (string?)secret["Condition"]!["StringEquals"]![$"aws:ResourceTag/{VerificationMerchant.SecretTag}"]);

        var bucket = $"arn:${{AWS::Partition}}:s3:::payments-{env}-transaction-log-${{AWS::AccountId}}-${{AWS::Region}}";
        var list = Assert.Single(statements, s => Actions(s).Contains("s3:ListBucket"));
        Assert.Equal(bucket, Render(list["Resource"]!));
        Assert.Equal("transaction-log/*", (string?)list["Condition"]!["StringLike"]!["s3:prefix"]);
        var get = Assert.Single(statements, s => Actions(s).Contains("s3:GetObject"));
        Assert.Equal($"{bucket}/transaction-log/*", Render(get["Resource"]!));

        var decrypt = Assert.Single(statements, s => Actions(s).Contains("kms:Decrypt") && s["Condition"]?["ForAnyValue:StringEquals"] is not null);
        Assert.Equal($"alias/payments-{env}", (string?)decrypt["Condition"]!["ForAnyValue:StringEquals"]!["kms:ResourceAliases"]);
        Assert.DoesNotContain(statements, s => Actions(s).Any(a => a.StartsWith("secretsmanager:", StringComparison.Ordinal)) && s["Condition"] is null);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_platform_has_what_the_role_is_scoped_to(string env)
    {
        var platform = TemplateJson.Of(app.Platform[env]);
        var (secretId, secret) = TemplateJson.Resources(app.Platform[env], "AWS::SecretsManager::Secret")
            .Single(s => s.Resource["Properties"]!["Tags"]?.AsArray().Any(t => (string?)t!["Key"] == VerificationMerchant.SecretTag) == true);
        Assert.Contains(secret["Properties"]!["Tags"]!.AsArray(), t => (string?)t!["Key"] == VerificationMerchant.SecretTag && (string?)t["Value"] == env);
        Assert.Contains($"acct_verify_{env}", secret["Properties"]!["GenerateSecretString"]!["SecretStringTemplate"]!.ToString(), StringComparison.Ordinal);
        Assert.NotNull(secret["Properties"]!["KmsKeyId"]);

        var alias = TemplateJson.Single(app.Platform[env], "AWS::KMS::Alias");
        Assert.Equal($"alias/payments-{env}", (string?)alias["Properties"]!["AliasName"]);
        var bucketNames = TemplateJson.Resources(app.Platform[env], "AWS::S3::Bucket")
            .Where(b => b.Resource["Properties"]!["BucketName"] is not null)
            .Select(b => Render(b.Resource["Properties"]!["BucketName"]!));
        var policyBucket = Render(RoleStatements(env).Single(s => Actions(s).Contains("s3:ListBucket"))["Resource"]!);
        Assert.Contains(policyBucket, bucketNames.Select(name => $"arn:${{AWS::Partition}}:s3:::{name}"));

        // The api container is configured with the merchant (slot 1; the smoke merchant keeps slot 0).
        var secrets = ApiContainerSecrets(env);
        Assert.Equal(secretId, (string?)secrets["Payments__Merchants__1__Id"]!["Fn::Join"]![1]![0]!["Ref"]);
        Assert.NotNull(secrets["Payments__Merchants__1__ApiKey"]);
        Assert.NotNull(secrets["Payments__Merchants__0__ApiKey"]);
        Assert.Equal(secretId, (string?)platform["Outputs"]![VerificationMerchant.SecretArnOutput]!["Value"]!["Ref"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_outputs_the_suite_reads_are_platform_stack_outputs(string env)
    {
        var outputs = TemplateJson.Of(app.Platform[env])["Outputs"]!.AsObject();
        foreach (var key in new[] { "ApiUrl", "TransactionLogBucketName", "TransactionLogPrefix", VerificationMerchant.SecretArnOutput })
        {
            Assert.True(outputs.ContainsKey(key), $"{env} platform stack lacks output {key}");
        }
        // The prefix the suite lists is the one the worker's relay writes under.
        var worker = TemplateJson.Resources(app.Platform[env], "AWS::ECS::TaskDefinition")
            .SelectMany(t => t.Resource["Properties"]!["ContainerDefinitions"]!.AsArray())
            .SelectMany(c => c!["Environment"]?.AsArray() ?? [])
            .Single(v => (string?)v!["Name"] == "Payments__TransactionLog__Prefix");
        Assert.Equal((string?)worker!["Value"], (string?)outputs["TransactionLogPrefix"]!["Value"]);
    }

    [Fact]
    public async Task The_script_stops_before_the_suite_when_the_secret_has_no_key()
    {
        var result = await RunScriptAsync(secret: """{"merchantId":"acct_verify_dev"}""");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the verification merchant secret has no apiKey", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("post-deploy verification of dev", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(
            ["cloudformation describe-stacks --stack-name payments-dev-platform --output json",
             "secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:111111111111:secret:VerificationMerchant-abc --query SecretString --output text"],
            File.ReadAllLines(Path.Combine(work, "calls.log")));
    }

    [Fact]
    public async Task The_script_names_the_missing_output_of_a_platform_deployed_without_the_merchant()
    {
        var result = await RunScriptAsync(secret: "{}", withSecretOutput: false);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has no VerificationMerchantSecretArn output", result.StandardError, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(Path.Combine(work, "calls.log")));
    }

    private async Task<CommandRunner.Result> RunScriptAsync(string secret, bool withSecretOutput = true)
    {
        var bin = Directory.CreateDirectory(Path.Combine(work, "bin")).FullName;
        var secretOutput = withSecretOutput
            ? """,{"OutputKey":"VerificationMerchantSecretArn","OutputValue":"arn:aws:secretsmanager:eu-west-1:111111111111:secret:VerificationMerchant-abc"}"""
            : "";
        File.WriteAllText(Path.Combine(work, "stacks.json"), $$"""
            {"Stacks":[{"StackName":"payments-dev-platform","Outputs":[{"OutputKey":"ApiUrl","OutputValue":"http://127.0.0.1:9"},
             {"OutputKey":"TransactionLogBucketName","OutputValue":"b"},{"OutputKey":"TransactionLogPrefix","OutputValue":"transaction-log/"}{{secretOutput}}]}]}
            """);
        File.WriteAllText(Path.Combine(work, "secret.json"), secret);
        File.WriteAllText(Path.Combine(bin, "aws"), $$"""
            #!/usr/bin/env bash
            echo "$*" >> {{work}}/calls.log
            case "$1 $2" in
              "cloudformation describe-stacks") cat {{work}}/stacks.json ;;
              "secretsmanager get-secret-value") cat {{work}}/secret.json ;;
              *) echo "unexpected aws call $*" >&2; exit 254 ;;
            esac
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(bin, "aws"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return await NodeScript.RunProcessAsync("bash", ["buildspecs/scripts/verify-deployment.sh", "dev", Path.Combine(work, "flat-outputs.json")], environment: new Dictionary<string, string>
        {
            ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["VERIFY_NO_BUILD"] = "1",
        });
    }

    private List<JsonObject> RoleStatements(string env)
    {
        var role = (string)VerificationProject(env)["ServiceRole"]!["Fn::GetAtt"]![0]!;
        return TemplateJson.Resources(app.Pipeline, "AWS::IAM::Policy")
            .Where(p => p.Resource["Properties"]!["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == role))
            .SelectMany(p => p.Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Select(s => s!.AsObject())
            .ToList();
    }

    private static List<string> Actions(JsonObject statement) =>
        statement["Action"] is JsonArray many ? many.Select(a => (string)a!).ToList() : [(string)statement["Action"]!];

    private JsonObject ApiContainerSecrets(string env) =>
        new(TemplateJson.Resources(app.Platform[env], "AWS::ECS::TaskDefinition")
            .SelectMany(t => t.Resource["Properties"]!["ContainerDefinitions"]!.AsArray())
            .Where(c => c!["Secrets"]?.AsArray().Any(s => (string?)s!["Name"] == "Payments__Merchants__0__Id") == true)
            .SelectMany(c => c!["Secrets"]!.AsArray())
            .Select(s => KeyValuePair.Create<string, JsonNode?>((string)s!["Name"]!, s["ValueFrom"]!.DeepClone())));
}
