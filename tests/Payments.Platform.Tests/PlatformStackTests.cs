using System.Text.Json.Nodes;

namespace Payments.Platform.Tests;

/// <summary>
/// Properties of the platform stack as a whole, checked over every resource of a type rather than over the
/// resources one construct makes, so that a resource added later is held to them too.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class PlatformStackTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_literal_physical_name_in_the_stack_carries_the_environment(string env)
    {
        // Seeds 001 and 003: "already exists" when a second environment reuses a name.
        string[] notPhysical = ["DBName", "DatabaseName", "DisplayName", "MetricName", "PolicyName", "DeploymentConfigName", "ContainerName", "Family"];
        var checkedNames = 0;
        foreach (var (id, resource) in app.PlatformJson[env]["Resources"]!.AsObject().Select(r => (r.Key, r.Value!.AsObject())))
        {
            var type = resource["Type"].Str();
            if (resource["Properties"] is not JsonObject properties)
            {
                continue;
            }
            foreach (var (key, value) in properties)
            {
                var physical = (key.EndsWith("Name", StringComparison.Ordinal) && !notPhysical.Contains(key))
                    || (key == "Family" && type == "AWS::ECS::TaskDefinition");
                // A service's Cloud Map name lives inside the environment's own namespace.
                if (!physical || value is not JsonValue || type == "AWS::ServiceDiscovery::Service")
                {
                    continue;
                }
                checkedNames++;
                Assert.True(value.Str().Contains(env, StringComparison.Ordinal), $"{id} ({type}).{key} = '{value.Str()}' does not carry '{env}'");
            }
        }
        Assert.True(checkedNames >= 40, $"only {checkedNames} literal names checked");
        Assert.Contains(env, app.Stage(env).Platform.StackName, StringComparison.Ordinal);
    }

    [Fact]
    public void No_account_id_is_hard_coded_anywhere_in_what_we_synthesize()
    {
        // Without an account the stacks are account-agnostic: any 12-digit number left in a template
        // would be an account id written in code. The delivery stack is part of the same app.
        var app = new Amazon.CDK.App(new Amazon.CDK.AppProps { Context = new Dictionary<string, object>() });
        var settings = Payments.Platform.Environments.PlatformSettings.FromContext(
            key => app.Node.TryGetContext(key)?.ToString(),
            name => name == "CDK_DEFAULT_REGION" ? SynthesizedEnvironments.TestRegion : null);
        Assert.Null(settings.Account);
        PaymentsApp.Compose(app, settings);
        var assembly = app.Synth();
        var templates = assembly.Stacks.Concat(assembly.NestedAssemblies.SelectMany(n => n.NestedAssembly.Stacks)).ToList();
        Assert.Equal(4, templates.Count);
        // The only 12-digit number allowed is AWS's own ALB log-delivery account of the region (bucket policy
        // of the access logs), which CDK takes from its region table, not from our code.
        var elbLogDelivery = Amazon.CDK.RegionInfo.RegionInfo.Get(SynthesizedEnvironments.TestRegion).Elbv2Account;
        Assert.NotNull(elbLogDelivery);
        foreach (var stack in templates)
        {
            var text = File.ReadAllText(stack.TemplateFullPath);
            var accountLike = System.Text.RegularExpressions.Regex.Matches(text, @"(?<![0-9])[0-9]{12}(?![0-9])").Select(m => m.Value).Where(n => n != elbLogDelivery).Distinct().ToList();
            Assert.True(accountLike.Count == 0, $"{stack.StackName}: {string.Join(",", accountLike)}");
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_bucket_topic_log_group_database_and_image_repository_is_encrypted(string env)
    {
        // Seed 001: missing encryption.
        Assert.All(app.Resources(env, "AWS::S3::Bucket"), b => Assert.NotNull(b.Resource.Props()["BucketEncryption"]));
        Assert.All(app.Resources(env, "AWS::SNS::Topic"), t => Assert.NotNull(t.Resource.Props()["KmsMasterKeyId"]));
        Assert.All(app.Resources(env, "AWS::Logs::LogGroup"), g => Assert.NotNull(g.Resource.Props()["KmsKeyId"]));
        // Aurora members carry no storage settings: the cluster encrypts its volume.
        Assert.All(app.Resources(env, "AWS::RDS::DBInstance").Where(d => d.Resource.Props()["DBClusterIdentifier"] is null), d => Assert.True(d.Resource.Props()["StorageEncrypted"]!.GetValue<bool>()));
        Assert.All(app.Resources(env, "AWS::RDS::DBCluster"), d => Assert.True(d.Resource.Props()["StorageEncrypted"]!.GetValue<bool>()));
        Assert.All(app.Resources(env, "AWS::ECR::Repository"), r => Assert.Equal("KMS", r.Resource.Props()["EncryptionConfiguration"]!["EncryptionType"].Str()));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    public void Outside_prod_nothing_is_retained_or_snapshotted_when_the_stack_is_deleted(string env)
    {
        // Seed 000: resources left behind after a failed environment blocked the next deploy.
        var retained = app.PlatformJson[env]["Resources"]!.AsObject()
            .Where(r => r.Value!["DeletionPolicy"]?.Str() is "Retain" or "Snapshot" || r.Value!["UpdateReplacePolicy"]?.Str() is "Retain")
            .Select(r => r.Key)
            .ToList();
        Assert.Empty(retained);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_role_trusts_only_the_service_that_uses_it(string env)
    {
        // Seed 004: wrong service principals.
        var expected = new Dictionary<string, string>
        {
            ["execution"] = "ecs-tasks.amazonaws.com",
            ["task"] = "ecs-tasks.amazonaws.com",
            ["vpc-flow-logs"] = "vpc-flow-logs.amazonaws.com",
        };
        foreach (var (_, role) in app.Resources(env, "AWS::IAM::Role"))
        {
            var name = role.Props()["RoleName"].Str();
            var principal = role.Props()["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Service"].Str();
            var ours = expected.Where(e => name.StartsWith($"payments-{env}-", StringComparison.Ordinal) && name.EndsWith(e.Key, StringComparison.Ordinal)).ToList();
            if (ours.Count == 0)
            {
                // CDK providers and the delivery side's hook / CodeDeploy roles.
                Assert.Contains(principal, new[] { "lambda.amazonaws.com", "codedeploy.amazonaws.com" });
                continue;
            }
            Assert.Equal(ours[0].Value, principal);
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_function_uses_the_index_handler_its_code_exports(string env)
    {
        // Seed 004: a handler name that does not match the code.
        Assert.All(app.Resources(env, "AWS::Lambda::Function"), f =>
        {
            Assert.Equal("index.handler", f.Resource.Props()["Handler"].Str());
            // Inline code is in the template: it must define what the handler names.
            if (f.Resource.Props()["Code"]!["ZipFile"] is JsonValue inline)
            {
                Assert.Matches(@"exports\.handler\s*=|export\s+(const|async\s+function|function)\s+handler\b", inline.Str());
            }
        });
    }
}
