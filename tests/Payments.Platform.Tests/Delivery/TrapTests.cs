using System.Text.Json.Nodes;

namespace Payments.Platform.Tests.Delivery;

/// <summary>The three CODE_DEPLOY traps of docs/runbook.md, checked on what we synthesize.</summary>
[Collection(SynthesizedApp.Name)]
public sealed class TrapTests(DeliveredApp app) : IClassFixture<DeliveredApp>
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    private JsonObject ApiService(string env) => TemplateJson.Resources(app.Platform[env], "AWS::ECS::Service")
        .Single(s => s.Resource["Properties"]!["ServiceName"]?.ToString() == $"payments-{env}-api").Resource["Properties"]!.AsObject();

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_api_service_is_created_with_the_CODE_DEPLOY_controller(string env) =>
        Assert.Equal("CODE_DEPLOY", ApiService(env)["DeploymentController"]!["Type"]!.ToString());

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_service_names_its_task_definition_family_so_infrastructure_never_touches_the_live_revision(string env) =>
        Assert.Equal($"payments-{env}-api", ApiService(env)["TaskDefinition"]!.ToString());

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_green_group_is_reachable_through_the_test_listener_before_the_first_deployment(string env)
    {
        var template = app.Platform[env];
        var green = TemplateJson.Resources(template, "AWS::ElasticLoadBalancingV2::TargetGroup").Single(t => t.LogicalId.Contains("Green", StringComparison.Ordinal)).LogicalId;
        var listeners = TemplateJson.Resources(template, "AWS::ElasticLoadBalancingV2::Listener");
        var test = Assert.Single(listeners, l => (int)l.Resource["Properties"]!["Port"]! == 8443);
        Assert.Contains(green, test.Resource["Properties"]!["DefaultActions"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_deployment_group_owns_the_prod_listener_after_a_swap_and_the_pipeline_guards_listener_diffs(string env)
    {
        var group = TemplateJson.Single(app.Platform[env], "AWS::CodeDeploy::DeploymentGroup")["Properties"]!;
        var pairs = group["LoadBalancerInfo"]!["TargetGroupPairInfoList"]![0]!;
        Assert.Equal(2, pairs["TargetGroups"]!.AsArray().Count);
        Assert.NotNull(pairs["ProdTrafficRoute"]);
        Assert.NotNull(pairs["TestTrafficRoute"]);
        var guard = File.ReadAllText(Path.Combine(NodeScript.RepositoryRoot(), "buildspecs", "scripts", "deploy-infra.sh"));
        Assert.Contains("guard-infra-diff.js", guard, StringComparison.Ordinal);
        Assert.True(guard.IndexOf("guard-infra-diff.js", StringComparison.Ordinal) < guard.IndexOf("cdk deploy", StringComparison.Ordinal));
    }
}
