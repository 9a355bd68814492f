using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Payments.Platform.Environments;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// What the Infrastructure action deploys: the assembly synthesized with the commit's image tag
/// (<c>-c imageTag</c>, buildspecs/test.yml). CloudFormation rolls the worker to that image; the
/// CODE_DEPLOY api service must see no change at all (CloudFormation cannot update its task
/// definition), only a new api revision that the Release action renders from.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class ReleaseImageTagTests(DeliveredApp app) : IClassFixture<DeliveredApp>, IDisposable
{
    private const string Environment = "staging";
    private const string FirstCommit = "1111111111111111111111111111111111111111";
    private const string NextCommit = "2222222222222222222222222222222222222222";

    private sealed record Released(Template First, Template Next, string FirstAssembly);

    // Two more synths of one environment, once per test run.
    private static readonly Lazy<Released> Shared = new(() =>
    {
        var assembly = Directory.CreateTempSubdirectory("released-app-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(assembly, recursive: true);
        return new Released(Synthesize(FirstCommit, assembly), Synthesize(NextCommit, null), assembly);
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string work = Directory.CreateTempSubdirectory("image-json-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    private static Template Synthesize(string imageTag, string? outdir)
    {
        var cdk = new App(new AppProps
        {
            Outdir = outdir,
            Context = new Dictionary<string, object>
            {
                ["imageAssetHash"] = "test",
                ["repositoryRoot"] = Repository.Root,
                ["environments"] = Environment,
                ["imageTag"] = imageTag,
            },
        });
        var settings = PlatformSettings.FromContext(
            key => cdk.Node.TryGetContext(key)?.ToString(),
            name => name switch { "CDK_DEFAULT_ACCOUNT" => DeliveredApp.Account, "CDK_DEFAULT_REGION" => DeliveredApp.Region, _ => null });
        var stage = Assert.Single(PaymentsApp.Compose(cdk, settings));
        if (outdir is not null)
        {
            cdk.Synth();
        }
        return Template.FromStack(stage.Platform);
    }

    private static JsonObject Service(Template template, string name) => TemplateJson.Resources(template, "AWS::ECS::Service")
        .Single(s => s.Resource["Properties"]!["ServiceName"]?.ToString() == $"payments-{Environment}-{name}").Resource;

    private static (string LogicalId, JsonObject Resource) TaskDefinition(Template template, string name) => TemplateJson.Resources(template, "AWS::ECS::TaskDefinition")
        .Single(t => t.Resource["Properties"]!["Family"]?.ToString() == $"payments-{Environment}-{name}");

    private static string ImageOf(JsonObject taskDefinition) => taskDefinition["Properties"]!["ContainerDefinitions"]![0]!["Image"]!.ToJsonString();

    [Fact]
    public void A_release_changes_nothing_on_the_CODE_DEPLOY_api_service()
    {
        var released = Shared.Value;
        var bootstrap = Service(app.Platform[Environment], "api");
        // The first pipeline release after the hand deploy, and every release after it.
        Assert.True(JsonNode.DeepEquals(bootstrap, Service(released.First, "api")), "the first release would update the api service");
        Assert.True(JsonNode.DeepEquals(bootstrap, Service(released.Next, "api")), "a later release would update the api service");
        Assert.Equal($"payments-{Environment}-api", Service(released.Next, "api")["Properties"]!["TaskDefinition"]!.ToString());
    }

    [Fact]
    public void The_api_revision_the_release_renders_from_carries_the_commits_image()
    {
        var released = Shared.Value;
        Assert.EndsWith($":{FirstCommit}\"]]}}", ImageOf(TaskDefinition(released.First, "api").Resource), StringComparison.Ordinal);
        Assert.EndsWith($":{NextCommit}\"]]}}", ImageOf(TaskDefinition(released.Next, "api").Resource), StringComparison.Ordinal);
        // From the environment's own repository (the one the Image action pushed to), not CDK's asset repository.
        var repository = TemplateJson.Resources(released.Next, "AWS::ECR::Repository")
            .Single(r => r.Resource["Properties"]!["RepositoryName"]?.ToString() == $"payments-{Environment}/api").LogicalId;
        Assert.Contains($"{{\"Ref\":\"{repository}\"}}", ImageOf(TaskDefinition(released.Next, "api").Resource), StringComparison.Ordinal);
    }

    [Fact]
    public void The_worker_rolls_to_the_commits_image_through_CloudFormation_with_its_circuit_breaker()
    {
        var released = Shared.Value;
        var (workerTaskDefinition, resource) = TaskDefinition(released.Next, "worker");
        Assert.EndsWith($":{NextCommit}\"]]}}", ImageOf(resource), StringComparison.Ordinal);
        Assert.NotEqual(ImageOf(TaskDefinition(app.Platform[Environment], "worker").Resource), ImageOf(resource));
        var worker = Service(released.Next, "worker")["Properties"]!;
        // The worker names the revision: a new image is a service update CloudFormation rolls out.
        Assert.Equal($"{{\"Ref\":\"{workerTaskDefinition}\"}}", worker["TaskDefinition"]!.ToJsonString());
        Assert.Equal("ECS", worker["DeploymentController"]?["Type"]?.ToString() ?? "ECS");
        var breaker = worker["DeploymentConfiguration"]!["DeploymentCircuitBreaker"]!;
        Assert.True((bool)breaker["Enable"]! && (bool)breaker["Rollback"]!);
    }

    [Fact]
    public void The_release_assembly_passes_preflight_without_warnings()
    {
        // scripts/test.sh gates the Test action's synth on preflight warnings too: the assembly the
        // pipeline deploys must be as clean as the bootstrap one (the release image's "must exist first"
        // is suppressed with the reason that the Image action pushed it).
        using var log = new StringWriter();
        Assert.Equal(0, SynthGate.Check(Shared.Value.FirstAssembly, log));
        Assert.Contains(", 0 error(s), 0 warning(s)", log.ToString(), StringComparison.Ordinal);
    }

    private async Task<CommandRunner.Result> CheckAssembly(string assembly, string tag)
    {
        var imageJson = Path.Combine(work, "image.json");
        await File.WriteAllTextAsync(imageJson, $$"""{"tag":"{{tag}}"}""");
        return await NodeScript.RunAsync("buildspecs/scripts/assembly-image.js", [assembly, Environment, imageJson]);
    }

    [Fact]
    public async Task The_infrastructure_action_deploys_only_an_assembly_that_runs_the_scanned_image()
    {
        var released = Shared.Value;
        var accepted = await CheckAssembly(released.FirstAssembly, FirstCommit);
        Assert.True(accepted.ExitCode == 0, accepted.StandardError);
        Assert.Contains($"stage staging runs the release image :{FirstCommit} in every container", accepted.StandardOutput, StringComparison.Ordinal);

        var otherCommit = await CheckAssembly(released.FirstAssembly, NextCommit);
        Assert.Equal(1, otherCommit.ExitCode);
        Assert.Contains("container worker", otherCommit.StandardError, StringComparison.Ordinal);

        // Synthesized without -c imageTag: deploying it would put the worker back on the bootstrap image.
        var bootstrap = await CheckAssembly(app.AssemblyDirectory, FirstCommit);
        Assert.Equal(1, bootstrap.ExitCode);
        Assert.Contains("container api", bootstrap.StandardError, StringComparison.Ordinal);
    }
}
