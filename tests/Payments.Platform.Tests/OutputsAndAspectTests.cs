using Payments.Platform.Aspects;

namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class OutputsAndAspectTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_stack_outputs_what_operators_and_tests_need(string env)
    {
        var outputs = app.PlatformJson[env]["Outputs"]!.AsObject().Select(o => o.Key).ToHashSet();
        foreach (var name in new[] { "AlbDnsName", "ClusterName", "ApiServiceName", "WorkerServiceName", "DatabaseEndpoint", "TransactionLogBucketName", "VpcId", "EcrRepositoryUri" })
        {
            Assert.Contains(name, outputs);
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Stacks_are_grouped_per_environment_with_the_environment_in_the_stack_name(string env)
    {
        var stage = app.Stage(env);
        Assert.Equal(env, stage.Stage.StageName);
        Assert.Equal($"payments-{env}-platform", stage.Platform.StackName);
        Assert.Equal(SynthesizedEnvironments.TestRegion, stage.Platform.Region);
        Assert.Equal(env == "prod", stage.Platform.TerminationProtection);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_lambda_runtime_is_raised_to_a_supported_node(string env)
    {
        var functions = app.Resources(env, "AWS::Lambda::Function");
        Assert.NotEmpty(functions);
        Assert.All(functions, f => Assert.False(NodeRuntimeFloor.IsOutdatedNode(f.Resource.Props()["Runtime"].Str()), f.Id));
        // Outside prod the buckets' auto-delete provider is CDK-generated with nodejs20.x: raised exactly to the floor.
        Assert.Equal(env != "prod", functions.Any(f => f.Id.StartsWith("CustomS3AutoDeleteObjects", StringComparison.Ordinal)));
        Assert.All(functions.Where(f => f.Id.StartsWith("Custom", StringComparison.Ordinal)), f => Assert.Equal(NodeRuntimeFloor.Minimum, f.Resource.Props()["Runtime"].Str()));
    }

    [Theory]
    [InlineData("nodejs20.x", true)]
    [InlineData("nodejs18.x", true)]
    [InlineData("nodejs22.x", true)]
    [InlineData("nodejs24.x", false)]
    [InlineData("python3.12", false)]
    [InlineData(null, false)]
    public void Only_outdated_node_runtimes_are_raised(string? runtime, bool outdated) =>
        Assert.Equal(outdated, NodeRuntimeFloor.IsOutdatedNode(runtime));

    [Theory]
    [MemberData(nameof(Environments))]
    public void No_deprecated_or_aws_managed_policies_are_attached(string env)
    {
        foreach (var (id, role) in app.Resources(env, "AWS::IAM::Role"))
        {
            var managed = role.Props()["ManagedPolicyArns"].Items().Select(a => a.Text()).ToList();
            Assert.True(managed.All(Json.IsCurrentManagedPolicy), $"{id}: {string.Join(",", managed)}");
            if (role.Props()["RoleName"].Str().StartsWith($"payments-{env}-", StringComparison.Ordinal))
            {
                Assert.Empty(managed); // our own roles use inline least-privilege policies only
            }
        }
        Assert.Empty(app.Resources(env, "AWS::IAM::ManagedPolicy"));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void No_policy_allows_every_action(string env)
    {
        foreach (var (_, policy) in app.Resources(env, "AWS::IAM::Policy"))
        {
            Assert.All(policy.Props()["PolicyDocument"]!["Statement"].Items(), statement =>
            {
                var actions = statement["Action"] is System.Text.Json.Nodes.JsonArray array ? array.Select(a => a.Str()) : [statement["Action"].Str()];
                Assert.DoesNotContain(actions, a => a == "*" || a.EndsWith(":*", StringComparison.Ordinal));
            });
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void No_account_id_is_hard_coded_in_the_template(string env)
    {
        // The test account comes from CDK_DEFAULT_ACCOUNT; the only place it may appear is where the
        // stack environment is used (conditions, ARNs built from Stack.Account) — never a literal elsewhere.
        var text = app.PlatformJson[env].ToJsonString();
        Assert.DoesNotContain("123456789012", text, StringComparison.Ordinal);
    }
}
