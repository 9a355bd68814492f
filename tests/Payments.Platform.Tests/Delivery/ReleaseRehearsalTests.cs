using System.Text.Json.Nodes;
using Payments.Preflight;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// A rehearsal of the first release, offline: the synthesized app, each environment's release files rendered
/// by the pipeline's own Release script (stubbed <c>aws</c>, the action's real environment variables), the
/// released image put where CodeDeploy and CloudFormation put it (api and worker containers), and preflight's
/// permission model asked whether every principal of the release may do what it must.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class ReleaseRehearsalTests(DeliveredApp app) : IClassFixture<DeliveredApp>, IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly string work = Directory.CreateTempSubdirectory("release-rehearsal-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    [Fact]
    public async Task Every_principal_of_the_first_release_may_do_what_it_must()
    {
        var assembly = await RehearseAsync();
        var report = PreflightEngine.Check([assembly]);

        Assert.DoesNotContain(report.Findings, f => f.Severity == Severity.Error);
        foreach (var env in SynthesizedEnvironments.EnvironmentNames)
        {
            // the execution roles pull the rendered image from the environment's repository
            foreach (var role in new[] { "ServicesApiExecutionRole", "ServicesWorkerExecutionRole" })
            {
                Assert.Contains(report.AccessChecks, c => c.RuleId == "PF210" && c.Caller.Contains(role, StringComparison.Ordinal)
                    && c.Action == "ecr:BatchGetImage" && c.Resource.Contains($"repository/payments-{env}/api", StringComparison.Ordinal) && c.Answer == "Allowed");
            }

            // and read their secrets
            Assert.Contains(report.AccessChecks, c => c.RuleId == "PF210" && c.Template.Contains(env, StringComparison.Ordinal)
                && c.Action == "secretsmanager:GetSecretValue" && c.Answer == "Allowed");
        }

        // the deploy actions read the deployment config their group uses; the prod approval can publish
        Assert.Contains(report.AccessChecks, c => c.RuleId == "PF218" && c.Action == "codedeploy:GetDeploymentConfig"
            && c.Resource.Contains("CodeDeployDefault.ECSCanary10Percent5Minutes", StringComparison.Ordinal) && c.Answer == "Allowed");
        Assert.Contains(report.AccessChecks, c => c.RuleId == "PF218" && c.Action == "codedeploy:GetDeploymentConfig"
            && c.Resource.Contains("CodeDeployDefault.ECSLinear", StringComparison.Ordinal) && c.Answer == "Allowed");
        Assert.Contains(report.AccessChecks, c => c.RuleId == "PF218" && c.Caller.Contains("Approve", StringComparison.Ordinal) && c.Action == "sns:Publish" && c.Answer == "Allowed");
        Assert.Contains(report.AccessChecks, c => c.RuleId == "PF218" && c.Caller.Contains("Approve", StringComparison.Ordinal) && c.Action == "kms:GenerateDataKey" && c.Answer == "Allowed");
        Assert.DoesNotContain(report.AccessChecks, c => c.Answer == "Refused" && c.RuleId is "PF210" or "PF218" or "PF220");
    }

    [Fact]
    public async Task The_rehearsal_catches_an_execution_role_that_cannot_pull_the_release()
    {
        var assembly = await RehearseAsync();
        // Without the environment repository grant (the defect of the first platform version) the release fails.
        var dev = Directory.EnumerateFiles(Path.Combine(assembly, "assembly-dev"), "*.template.json").Single();
        var template = JsonNode.Parse(File.ReadAllText(dev))!.AsObject();
        foreach (var (_, resource) in template["Resources"]!.AsObject())
        {
            if ((string?)resource!["Type"] == "AWS::IAM::Policy" && ((string?)resource["Properties"]!["PolicyName"] ?? string.Empty).StartsWith("ServicesApiExecutionRole", StringComparison.Ordinal))
            {
                var statements = resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();
                foreach (var statement in statements.Where(s => s!["Action"]!.ToJsonString().Contains("ecr:BatchGetImage", StringComparison.Ordinal)).ToList())
                {
                    statements.Remove(statement);
                }
            }
        }

        File.WriteAllText(dev, template.ToJsonString());
        var report = PreflightEngine.Check([assembly]);
        Assert.Contains(report.Findings, f => f.RuleId == "PF210" && f.Template == dev && f.Message.Contains("payments-dev/api", StringComparison.Ordinal)
            && f.Message.Contains("CannotPullContainerError", StringComparison.Ordinal));
    }

    /// <summary>A copy of the synthesized assembly with every environment's release applied; returns its directory.</summary>
    private async Task<string> RehearseAsync()
    {
        var assembly = Path.Combine(work, "cdk.out");
        CopyDirectory(app.AssemblyDirectory, assembly);
        var pipeline = JsonNode.Parse(File.ReadAllText(Path.Combine(assembly, "Delivery.template.json")))!;
        foreach (var env in SynthesizedEnvironments.EnvironmentNames)
        {
            var variables = ReleaseActionVariables(pipeline, env);
            var imageUri = await RenderAsync(env, variables);
            var platform = Directory.EnumerateFiles(Path.Combine(assembly, $"assembly-{env}"), "*.template.json").Single();
            var template = JsonNode.Parse(File.ReadAllText(platform))!.AsObject();
            var released = 0;
            foreach (var (_, resource) in template["Resources"]!.AsObject())
            {
                if ((string?)resource!["Type"] != "AWS::ECS::TaskDefinition")
                {
                    continue;
                }

                // CodeDeploy runs the api revision with imageDetail.json's image; CloudFormation rolls the worker to the same one.
                foreach (var container in resource["Properties"]!["ContainerDefinitions"]!.AsArray())
                {
                    container!["Image"] = imageUri;
                    released++;
                }
            }

            // api and worker, each with its migrate init container, all run the application image
            Assert.Equal(4, released);
            File.WriteAllText(platform, template.ToJsonString());
        }

        return assembly;
    }

    /// <summary>The environment variables the environment's Release action runs with: its project's, then the action's.</summary>
    private static Dictionary<string, string> ReleaseActionVariables(JsonNode pipeline, string env)
    {
        var resources = pipeline["Resources"]!.AsObject();
        var project = resources.Single(r => (string?)r.Value!["Type"] == "AWS::CodeBuild::Project"
            && (string?)r.Value["Properties"]!["Source"]!["BuildSpec"] == "buildspecs/release.yml").Value!;
        var variables = (project["Properties"]!["Environment"]!["EnvironmentVariables"]?.AsArray() ?? [])
            .Where(v => v!["Value"] is JsonValue)
            .ToDictionary(v => (string)v!["Name"]!, v => (string)v!["Value"]!);
        var stages = resources.Single(r => (string?)r.Value!["Type"] == "AWS::CodePipeline::Pipeline").Value!["Properties"]!["Stages"]!.AsArray();
        var stage = stages.Single(s => (string?)s!["Name"] == $"Deploy-{env}")!;
        var action = stage["Actions"]!.AsArray().Single(a => (string?)a!["Name"] == "Release")!;
        foreach (var variable in JsonNode.Parse((string)action["Configuration"]!["EnvironmentVariables"]!)!.AsArray())
        {
            variables[(string)variable!["name"]!] = (string)variable["value"]!;
        }

        return variables;
    }

    /// <summary>Runs the Release action's script as CodeBuild would and returns the image URI CodeDeploy will run.</summary>
    private async Task<string> RenderAsync(string env, Dictionary<string, string> variables)
    {
        var directory = Directory.CreateDirectory(Path.Combine(work, env)).FullName;
        var stubs = new AwsCliStubs(directory);
        Directory.CreateDirectory(Path.Combine(directory, "image"));
        File.WriteAllText(Path.Combine(directory, "image", "image.json"), $$"""{"tag":"{{Commit}}","digest":"{{AwsCliStubs.BuiltDigest}}","scannedIn":"payments-dev/api"}""");
        var environment = new Dictionary<string, string>(variables)
        {
            ["RELEASE_DIR"] = Path.Combine(directory, "release"),
            ["CODEBUILD_SRC_DIR_image"] = Path.Combine(directory, "image"),
            ["EXISTING_IMAGES"] = $"{variables["ECR_REPOSITORY"]}:{Commit}={AwsCliStubs.BuiltDigest}",
        };
        var result = await NodeScript.RunProcessAsync("bash", ["buildspecs/scripts/release-environment.sh"], environment: stubs.Environment(environment));
        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        var detail = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "release", "imageDetail.json")))!;
        var uri = (string)detail["ImageURI"]!;
        Assert.EndsWith($"/payments-{env}/api:{Commit}", uri, StringComparison.Ordinal);
        return uri;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
