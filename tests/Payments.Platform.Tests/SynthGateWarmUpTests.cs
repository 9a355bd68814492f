namespace Payments.Platform.Tests;

public sealed class SynthGateWarmUpTests
{
    [Fact]
    public async Task The_warm_up_runs_the_engine_and_cleans_up_after_itself()
    {
        var before = WarmUpDirectories();
        await SynthGate.WarmUpAsync();
        Assert.Empty(WarmUpDirectories().Except(before));

        // The real check afterwards still reports findings with file and line, as without a warm-up.
        var directory = Directory.CreateTempSubdirectory("synth-gate-warm-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "Bad.template.json"), """
                { "Resources": { "Service": { "Type": "AWS::ECS::Service", "Properties": {
                  "Cluster": "payments-dev", "TaskDefinition": "payments-dev-api",
                  "DeploymentController": { "Type": "CODE_DEPLOY" },
                  "DeploymentConfiguration": { "DeploymentCircuitBreaker": { "Enable": true, "Rollback": true } } } } } }
                """);
            using var log = new StringWriter();
            Assert.Equal(1, SynthGate.Check(directory, log));
            Assert.Matches(@"Bad\.template\.json:\d+: error PF\d+ \[Service\]", log.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string[] WarmUpDirectories() =>
        Directory.GetDirectories(Path.GetTempPath(), "payments-preflight-warmup-*");
}
