using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Payments.Platform.Environments;
using Payments.Platform.Tests.Delivery;

namespace Payments.Platform.Tests;

/// <summary>
/// Prod's configuration lives in the repository (cdk.json context). A synth for deployment (-c deploy=true,
/// or PAYMENTS_DEPLOY=true as the pipeline's Test action sets it) fails while it is missing; a review synth
/// and the test command go on with a warning.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class DeploymentReadinessTests(SynthesizedEnvironments app)
{
    private const string CertificateArn = "arn:aws:acm:eu-west-1:111111111111:certificate/0f0e0d0c-1111-2222-3333-444455556666";

    private static PlatformSettings Settings(Dictionary<string, string> context, Dictionary<string, string>? variables = null) =>
        PlatformSettings.FromContext(
            key => context.TryGetValue(key, out var value) ? value : null,
            name => variables is not null && variables.TryGetValue(name, out var value) ? value : null);

    [Fact]
    public void A_deployment_synth_is_asked_for_with_the_deploy_context_or_the_pipelines_variable()
    {
        Assert.False(Settings([]).ForDeployment);
        Assert.True(Settings(new() { ["deploy"] = "true" }).ForDeployment);
        Assert.True(Settings([], new() { [PlatformSettings.DeployVariable] = "true" }).ForDeployment);
        Assert.False(Settings(new() { ["deploy"] = "false" }, new() { [PlatformSettings.DeployVariable] = "true" }).ForDeployment);
        var error = Assert.Throws<ArgumentException>(() => Settings(new() { ["deploy"] = "yes" }));
        Assert.Contains("'yes'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deployment_synth_of_prod_without_a_certificate_fails_and_says_where_to_put_it()
    {
        var error = Assert.Throws<DeploymentConfigurationException>(() =>
            SynthesizedEnvironments.Synthesize(new Dictionary<string, object> { ["deploy"] = "true", ["environments"] = "prod" }));
        Assert.Contains("certificateArn:prod", error.Message, StringComparison.Ordinal);
        Assert.Contains("cdk.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deployment_synth_of_prod_with_a_certificate_but_no_test_tls_host_fails()
    {
        var error = Assert.Throws<DeploymentConfigurationException>(() => SynthesizedEnvironments.Synthesize(new Dictionary<string, object>
        {
            ["deploy"] = "true", ["environments"] = "prod", ["certificateArn:prod"] = CertificateArn,
        }));
        Assert.Contains("testTlsHost:prod", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("certificateArn:prod)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deployment_synth_of_dev_alone_needs_no_certificate()
    {
        var (stages, settings) = SynthesizedEnvironments.Synthesize(new Dictionary<string, object> { ["deploy"] = "true", ["environments"] = "dev" });
        Assert.True(settings.ForDeployment);
        Assert.Equal(["dev"], stages.Select(s => s.Config.Name));
    }

    [Fact]
    public void A_deployment_synth_of_prod_with_its_configuration_serves_https_and_the_hook_verifies_the_name()
    {
        var (stages, settings) = SynthesizedEnvironments.Synthesize(new Dictionary<string, object>
        {
            ["deploy"] = "true", ["environments"] = "prod", ["certificateArn:prod"] = CertificateArn, ["testTlsHost:prod"] = "api.payments.example.com",
        });
        Assert.True(settings.ForDeployment);
        var template = TemplateJson.Of(Template.FromStack(stages.Single().Platform));
        var listeners = TemplateJson.Resources(template, "AWS::ElasticLoadBalancingV2::Listener").Select(l => l.Resource.Props()).ToList();
        Assert.Equal("HTTPS", listeners.Single(l => l["Port"].Number() == 443)["Protocol"].Str());
        var hook = TemplateJson.Resources(template, "AWS::Lambda::Function").Single(f => f.Resource.Props()["FunctionName"].Str() == "payments-prod-pre-traffic-hook");
        Assert.Equal("api.payments.example.com", hook.Resource.Props()["Environment"]!["Variables"]!["TEST_TLS_HOST"].Str());
    }

    [Fact]
    public void A_review_synth_of_prod_without_a_certificate_goes_on_with_a_warning()
    {
        Assert.False(app.Settings.ForDeployment);
        Assert.Null(app.Stage("prod").Config.CertificateArn);
        Annotations.FromStack(app.Stage("prod").Platform).HasWarning("/prod/Platform/Edge", Match.StringLikeRegexp("REVIEW ONLY: prod has no certificate.*"));
    }

    [Fact]
    public void A_review_synth_reports_each_gap_on_its_log_and_a_complete_configuration_reports_none()
    {
        var prod = EnvironmentTable.Build(Settings(new() { ["environments"] = "prod" }));
        var log = new StringWriter();
        DeploymentReadiness.Check(prod, new Dictionary<string, string>(), forDeployment: false, log);
        Assert.Equal(
            ["warning: REVIEW ONLY, not deployable: prod has no certificate (context certificateArn:prod): its load balancer would serve plain HTTP (a synth with -c deploy=true fails)"],
            log.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        var configured = EnvironmentTable.Build(Settings(new() { ["environments"] = "prod", ["certificateArn:prod"] = CertificateArn }));
        Assert.Empty(DeploymentReadiness.Gaps(configured, new Dictionary<string, string> { ["prod"] = "api.payments.example.com" }));
    }

    [Fact]
    public void The_repository_holds_prods_configuration_keys_where_the_pipeline_synthesizes()
    {
        // Empty until the real values are committed: a deployment synth fails on them, nothing is guessed.
        var context = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, DeploymentReadiness.ConfigurationFile)))!["context"]!.AsObject();
        Assert.True(context.ContainsKey("certificateArn:prod"));
        Assert.True(context.ContainsKey("testTlsHost:prod"));
    }

    [Fact]
    public async Task The_cdk_cli_synth_the_pipeline_runs_fails_on_a_checkout_without_prods_certificate_with_a_message()
    {
        // As the pipeline's Test action runs it: the CDK CLI in a checkout whose cdk.json context has prod's keys
        // empty (as committed until the real values exist), PAYMENTS_DEPLOY=true.
        var root = Repository.Root;
        var checkout = Directory.CreateTempSubdirectory("deployment-synth-");
        try
        {
            var cdkJson = JsonNode.Parse(File.ReadAllText(Path.Combine(root, DeploymentReadiness.ConfigurationFile)))!;
            cdkJson["context"]!["certificateArn:prod"] = "";
            cdkJson["context"]!["testTlsHost:prod"] = "";
            File.WriteAllText(Path.Combine(checkout.FullName, DeploymentReadiness.ConfigurationFile), cdkJson.ToJsonString());
            var app = Path.Combine(AppContext.BaseDirectory, "Payments.Platform");
            var (exitCode, stderr) = await Run(checkout.FullName, [Path.Combine(root, "node_modules", ".bin", "cdk"), "synth", "--quiet", "-o", Path.Combine(checkout.FullName, "cdk.out"), "--app", app],
                new Dictionary<string, string> { [PlatformSettings.DeployVariable] = "true" });
            Assert.NotEqual(0, exitCode);
            Assert.Contains("error: refusing to synthesize for deployment: prod has no certificate (context certificateArn:prod)", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            checkout.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Stderr)> Run(string directory, string[] command, Dictionary<string, string> environment)
    {
        environment["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1";
        environment["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1";
        var result = await CommandRunner.RunAsync(command[0], command[1..], TimeSpan.FromMinutes(5), directory, environment: environment);
        return (result.ExitCode, result.StandardError);
    }
}
