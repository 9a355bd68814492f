using Amazon.CDK;
using Payments.Platform.Aspects;
using Payments.Platform.Environments;
using Payments.Platform.Stacks;

namespace Payments.Platform;

/// <summary>One environment's stage and its platform stack.</summary>
public sealed record EnvironmentStage(EnvironmentConfig Config, Stage Stage, PlatformStack Platform);

/// <summary>Composes the whole app; Program.cs and the tests both go through here so they synthesize the same thing.</summary>
public static class PaymentsApp
{
    /// <param name="log">Where a review synth's deployment gaps are reported (stderr in Program.cs; none in tests).</param>
    public static IReadOnlyList<EnvironmentStage> Compose(App app, PlatformSettings settings, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(settings);
        var configs = EnvironmentTable.Build(settings);
        var delivery = Delivery.DeliverySettings.FromContext(key => app.Node.TryGetContext(key)?.ToString());
        // Before anything is built: a deployment synth with prod's configuration missing stops here.
        DeploymentReadiness.Check(configs, delivery.TestTlsHosts, settings.ForDeployment, log);
        var stages = new List<EnvironmentStage>();
        foreach (var config in configs)
        {
            var environment = new Amazon.CDK.Environment { Account = config.Account, Region = config.Region };
            if (config.Account is not null)
            {
                // The AZs are configuration; answering the CDK's availability-zones lookup with them keeps
                // synth offline (no credentials) and consistent with the explicit AZ list of the VPC.
                var key = $"availability-zones:account={config.Account}:region={config.Region}";
                if (app.Node.TryGetContext(key) is null)
                {
                    app.Node.SetContext(key, config.AvailabilityZones.ToArray());
                }
            }
            var stage = new Stage(app, config.Name, new StageProps { Env = environment, StageName = config.Name });
            var platform = new PlatformStack(stage, "Platform", new PlatformStackProps
            {
                Config = config,
                Settings = settings,
                StackName = $"{config.Prefix}-platform",
                Description = $"Payments platform ({config.Name}): network, data, services, edge, observability",
                Env = environment,
                TerminationProtection = config.IsProduction,
            });
            Tags.Of(stage).Add("payments:environment", config.Name);
            Tags.Of(stage).Add("payments:system", "payments");
            stages.Add(new EnvironmentStage(config, stage, platform));
        }
        // Blue/green deployment groups inside each platform stack and the app-level pipeline stack.
        Delivery.DeliveryComposition.Add(app, stages.Select(s => s.Platform.Seam).ToList(), delivery);
        // Last, once every stage is complete (delivery adds its deployment group into each platform stack):
        // one pass over each stage's resources instead of three CDK aspects (see ResourceFixups).
        foreach (var stage in stages)
        {
            ResourceFixups.Apply(stage.Stage, new NodeRuntimeFloor(), new ProviderDependencyCleanup(), new RetainedNamesAreDeliberate(stage.Config),
                NagSuppressions.ForPlatform(stage.Platform, stage.Config));
        }
        return stages;
    }
}
