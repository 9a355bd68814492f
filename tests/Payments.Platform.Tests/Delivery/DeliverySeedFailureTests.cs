using System.Text.Json.Nodes;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// The seed failures about delivery (sources, webhooks, scanning, monitoring, bootstrap), one test each,
/// named after the seed, on the app as it is composed for <c>cdk synth</c>. The platform's own seed
/// failures are in <c>SeedFailureTests</c>.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class DeliverySeedFailureTests(DeliveredApp app) : IClassFixture<DeliveredApp>
{
    private JsonObject Pipeline => TemplateJson.Single(app.Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!.AsObject();

    private IEnumerable<JsonObject> Actions(string stage) =>
        Pipeline["Stages"]!.AsArray().Single(s => (string?)s!["Name"] == stage)!["Actions"]!.AsArray().Select(a => a!.AsObject());

    [Fact]
    public void Seed001_codecommit_repository_creation_refused_the_source_is_a_versioned_s3_key_or_a_codestar_connection()
    {
        foreach (var template in new[] { app.Pipeline, app.GitHubPipeline })
        {
            template.ResourceCountIs("AWS::CodeCommit::Repository", 0);
        }
        Assert.Equal("S3", (string?)Actions("Source").Single()["ActionTypeId"]!["Provider"]);
        var github = TemplateJson.Single(app.GitHubPipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]![0]!["Actions"]![0]!;
        Assert.Equal("CodeStarSourceConnection", (string?)github["ActionTypeId"]!["Provider"]);
    }

    [Fact]
    public void Seed000_and_001_github_webhook_registration_404_no_webhook_and_no_oauth_token_is_ever_registered()
    {
        foreach (var template in new[] { app.Pipeline, app.GitHubPipeline })
        {
            template.ResourceCountIs("AWS::CodePipeline::Webhook", 0);
            var json = TemplateJson.Of(template).ToJsonString();
            Assert.DoesNotContain("OAuthToken", json, StringComparison.Ordinal);
            Assert.DoesNotContain("github-token", json, StringComparison.OrdinalIgnoreCase);
        }
        // The S3 source starts the pipeline through EventBridge, not by polling and not by a webhook.
        Assert.Equal("false", Actions("Source").Single()["Configuration"]!["PollForSourceChanges"]!.ToString().ToLowerInvariant());
    }

    [Fact]
    public void Seed001_security_scanning_not_integrated_the_dependency_scan_gates_the_image_build()
    {
        var build = Actions("Build").ToList();
        var scan = build.Single(a => (string?)a["Name"] == "VulnerabilityScan");
        var image = build.Single(a => (string?)a["Name"] == "Image");
        // Same stage, earlier run order: a failing scan stops the stage before any image is pushed.
        Assert.True((int)scan["RunOrder"]! < (int)image["RunOrder"]!);
        var scanProject = TemplateJson.Resources(app.Pipeline, "AWS::CodeBuild::Project")
            .Single(p => p.LogicalId == scan["Configuration"]!["ProjectName"]!["Ref"]!.ToString()).Resource;
        Assert.Equal("buildspecs/scan.yml", (string?)scanProject["Properties"]!["Source"]!["BuildSpec"]);
        var buildspec = File.ReadAllText(Path.Combine(NodeScript.RepositoryRoot(), "buildspecs/scan.yml"));
        Assert.Contains("--vulnerable --include-transitive", buildspec, StringComparison.Ordinal);
        Assert.Contains("vulnerability-gate.js", buildspec, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed001_pipeline_monitoring_gaps_failed_and_stuck_executions_raise_alarms_to_a_topic()
    {
        var alarms = TemplateJson.Resources(app.Pipeline, "AWS::CloudWatch::Alarm").Select(a => a.Resource["Properties"]!).ToList();
        Assert.Contains(alarms, a => (string?)a["MetricName"] == "TriggeredRules" && a["AlarmActions"] is JsonArray { Count: > 0 });
        Assert.Contains(alarms, a => (string?)a["MetricName"] == "StuckActions" && a["AlarmActions"] is JsonArray { Count: > 0 } && (string?)a["TreatMissingData"] == "breaching");
    }

    [Fact]
    public void Seed000_missing_or_corrupted_cdk_bootstrap_every_template_refuses_to_deploy_against_an_old_bootstrap()
    {
        // Seed 000 half-deployed against a broken CDKToolkit stack. Our templates carry CDK's bootstrap
        // version check, so CloudFormation refuses up front with a message naming `cdk bootstrap`.
        foreach (var template in app.Platform.Values.Append(app.Pipeline))
        {
            var json = TemplateJson.Of(template);
            Assert.Equal("/cdk-bootstrap/hnb659fds/version", (string?)json["Parameters"]!["BootstrapVersion"]!["Default"]);
            Assert.Contains("cdk bootstrap", json["Rules"]!["CheckBootstrapVersion"]!.ToJsonString(), StringComparison.Ordinal);
        }
    }
}
