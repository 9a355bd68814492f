namespace Payments.Platform.Tests.Delivery;

/// <summary>buildspecs/scripts/guard-infra-diff.js over <c>cdk diff</c> output (the runbook's listener and controller traps).</summary>
public sealed class GuardInfraDiffTests
{
    private const string Script = "buildspecs/scripts/guard-infra-diff.js";

    [Fact]
    public async Task Harmless_changes_pass()
    {
        const string diff = """
            Stack dev/Platform (payments-dev-platform)
            Resources
            [+] AWS::CloudWatch::Alarm Alerting/NewAlarm AlertingNewAlarm1234
            [~] AWS::ECS::TaskDefinition Api/TaskDefinition ApiTaskDefinitionABCD replace
             └─ [~] ContainerDefinitions
            [~] AWS::ECS::Service Api/Service ApiService5678
             └─ [~] DesiredCount
                 ├─ [-] 1
                 └─ [+] 2
            [+] AWS::ElasticLoadBalancingV2::Listener Edge/Extra EdgeExtra99
            """;
        var result = await NodeScript.RunAsync(Script, ["-"], diff);
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("no listener or ECS service hazards", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[~] AWS::ElasticLoadBalancingV2::Listener Edge/ProdListener EdgeProdListenerAB12\n └─ [~] DefaultActions", "listener change would reset traffic")]
    [InlineData("[-] AWS::ElasticLoadBalancingV2::ListenerRule Edge/Rule EdgeRule1 destroy", "listener change would reset traffic")]
    [InlineData("[-] AWS::ECS::Service Api/Service ApiService5678 destroy", "ECS service would be removed or replaced")]
    [InlineData("[~] AWS::ECS::Service Api/Service ApiService5678 replace\n └─ [~] DeploymentController (requires replacement)", "ECS service would be removed or replaced")]
    [InlineData("[~] AWS::ECS::Service Api/Service ApiService5678\n └─ [~] ServiceName (requires replacement)", "ECS service would be replaced")]
    public async Task Blue_green_hazards_are_refused(string diff, string expected)
    {
        var result = await NodeScript.RunAsync(Script, ["-"], "Resources\n" + diff + "\n");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Colored_output_is_understood()
    {
        var diff = "\u001b[33m[~]\u001b[39m AWS::ElasticLoadBalancingV2::Listener Edge/ProdListener EdgeProdListenerAB12\n";
        var result = await NodeScript.RunAsync(Script, ["-"], diff);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task A_reviewed_listener_change_can_be_let_through_explicitly()
    {
        var diff = "[~] AWS::ElasticLoadBalancingV2::Listener Edge/ProdListener EdgeProdListenerAB12\n └─ [~] Certificates\n";
        var result = await NodeScript.RunAsync(Script, ["-"], diff, new Dictionary<string, string> { ["ALLOW_LISTENER_CHANGES"] = "1" });
        Assert.Equal(0, result.ExitCode);
    }
}
