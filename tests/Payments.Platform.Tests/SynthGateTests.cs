namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class SynthGateTests(SynthesizedEnvironments app, Delivery.DeliveredApp delivered) : IClassFixture<Delivery.DeliveredApp>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("synth-gate-").FullName;

    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void Our_synthesized_environments_pass_the_gate(string env)
    {
        using var log = new StringWriter();
        Assert.Equal(0, SynthGate.Check(app.Stage(env).Stage.Synth().Directory, log));
        Assert.Contains("0 error(s), 0 warning(s)", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_code_deploy_service_with_a_circuit_breaker_fails_the_gate_with_file_and_line()
    {
        var template = Path.Combine(_directory, "Bad.template.json");
        File.WriteAllText(template, """
            {
              "Resources": {
                "Service": {
                  "Type": "AWS::ECS::Service",
                  "Properties": {
                    "Cluster": "payments-dev",
                    "TaskDefinition": "payments-dev-api",
                    "DeploymentController": { "Type": "CODE_DEPLOY" },
                    "DeploymentConfiguration": { "DeploymentCircuitBreaker": { "Enable": true, "Rollback": true } }
                  }
                }
              }
            }
            """);
        using var log = new StringWriter();
        Assert.Equal(1, SynthGate.Check(_directory, log));
        Assert.Matches(@"Bad\.template\.json:\d+: error PF\d+ \[Service\]", log.ToString());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_whole_app_as_cdk_synth_writes_it_with_the_pipeline_stack_passes_the_gate()
    {
        var templates = Directory.GetFiles(delivered.AssemblyDirectory, "*.template.json", SearchOption.AllDirectories);
        Assert.Contains(templates, t => Path.GetFileName(t) == "Delivery.template.json");
        using var log = new StringWriter();
        Assert.Equal(0, SynthGate.Check(delivered.AssemblyDirectory, log));
        Assert.Contains("preflight: 4 template(s), 0 error(s), 0 warning(s)", log.ToString(), StringComparison.Ordinal);
    }
}
