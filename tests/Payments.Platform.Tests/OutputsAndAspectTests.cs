using Payments.Platform.Aspects;

namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class OutputsAndAspectTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [MemberData(nameof(Environments))]
    public void Each_output_points_at_the_resource_it_names(string env)
    {
        string IdOf(string type, Func<System.Text.Json.Nodes.JsonObject, bool>? where = null) =>
            app.Resources(env, type).Single(r => where is null || where(r.Resource)).Id;
        var outputs = app.PlatformJson[env]["Outputs"]!.AsObject().ToDictionary(o => o.Key, o => o.Value!["Value"].Text());
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{IdOf("AWS::ElasticLoadBalancingV2::LoadBalancer")}\",\"DNSName\"]}}", outputs["AlbDnsName"]);
        Assert.Equal($"{{\"Ref\":\"{IdOf("AWS::ECS::Cluster")}\"}}", outputs["ClusterName"]);
        Assert.Contains(IdOf("AWS::ECS::Service", s => s.Props()["ServiceName"].Str() == $"payments-{env}-api"), outputs["ApiServiceName"], StringComparison.Ordinal);
        Assert.Contains(IdOf("AWS::ECS::Service", s => s.Props()["ServiceName"].Str() == $"payments-{env}-worker"), outputs["WorkerServiceName"], StringComparison.Ordinal);
        var database = app.Resources(env, "AWS::RDS::DBCluster").Count == 1 ? IdOf("AWS::RDS::DBCluster") : IdOf("AWS::RDS::DBInstance");
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{database}\",\"Endpoint.Address\"]}}", outputs["DatabaseEndpoint"]);
        var transactionLog = IdOf("AWS::S3::Bucket", b => b.Props()["BucketName"].Text().Contains("transaction-log", StringComparison.Ordinal));
        Assert.Equal($"{{\"Ref\":\"{transactionLog}\"}}", outputs["TransactionLogBucketName"]);
        Assert.Equal($"{{\"Ref\":\"{IdOf("AWS::EC2::VPC")}\"}}", outputs["VpcId"]);
        Assert.Contains(IdOf("AWS::ECR::Repository"), outputs["EcrRepositoryUri"], StringComparison.Ordinal);
        Assert.Contains(".dkr.ecr.", outputs["EcrRepositoryUri"], StringComparison.Ordinal);
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
}
