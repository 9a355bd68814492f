using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Payments.Platform.Aspects;
using Payments.Platform.Seams;

namespace Payments.Platform.Delivery;

/// <summary>What <see cref="DeliveryComposition.Add"/> created: one blue/green deployment per environment and the pipeline.</summary>
public sealed record DeliveryResult(IReadOnlyDictionary<string, BlueGreenDeployment> Deployments, PipelineStack Pipeline);

/// <summary>
/// The one call that wires delivery into the app, after the platform stages exist:
/// <c>DeliveryComposition.Add(app, stages.Select(s => s.Platform.Seam).ToList())</c>.
/// </summary>
public static class DeliveryComposition
{
    public const string PipelineStackId = "Delivery";
    public const string PipelineStackName = "payments-delivery";

    private static readonly JsonSerializerOptions ResolvedJson = new() { PropertyNameCaseInsensitive = true };

    public static DeliveryResult Add(App app, IReadOnlyList<ApiDeploymentSeam> seams, DeliverySettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(seams);
        if (seams.Count == 0)
        {
            throw new ArgumentException("delivery needs at least one environment seam");
        }
        settings ??= DeliverySettings.FromContext(key => app.Node.TryGetContext(key)?.ToString());

        var deployments = new Dictionary<string, BlueGreenDeployment>(StringComparer.Ordinal);
        var targets = new List<DeliveryTarget>();
        foreach (var seam in seams)
        {
            var env = seam.Environment;
            var delivery = DeliveryTable.For(env.Name);
            // Inside the platform stack, next to the service: the smoke merchant's secret must exist before the
            // task definition that references it, and nothing crosses a stack boundary.
            deployments[env.Name] = new BlueGreenDeployment(seam.Stack, "BlueGreen", new BlueGreenDeploymentProps
            {
                Delivery = delivery,
                TestListenerPort = seam.TestListenerPort,
                LogRetention = env.LogRetention,
                RemovalPolicy = env.DataRemovalPolicy,
                Targets = new BlueGreenServiceTargets
                {
                    Service = seam.Service,
                    Container = seam.Container,
                    BlueTargetGroup = seam.BlueTargetGroup,
                    GreenTargetGroup = seam.GreenTargetGroup,
                    ProdListener = seam.ProdListener,
                    TestListener = seam.TestListener,
                    TestListenerUrl = seam.TestListenerUrl,
                    TestTlsHostName = settings.TestTlsHosts.TryGetValue(env.Name, out var tlsHost) ? tlsHost : null,
                    RollbackAlarms = seam.RollbackAlarms,
                    Vpc = seam.Vpc,
                    Key = seam.Key,
                },
            });
            // Slot 1: the smoke merchant holds slot 0 (BlueGreenServiceTargets.SmokeMerchantIndex).
            new VerificationMerchant(seam.Stack, "VerificationMerchant", new VerificationMerchantProps
            {
                Delivery = delivery,
                Container = seam.Container,
                MerchantIndex = 1,
                Key = seam.Key,
                RemovalPolicy = env.DataRemovalPolicy,
            });
            targets.Add(new DeliveryTarget
            {
                Delivery = delivery,
                StageName = Stage.Of(seam.Stack)?.StageName ?? env.Name,
                RepositoryName = Constructs.ImageRepository.NameFor(env),
                ReleasedServiceNames = [Constructs.Services.ApiServiceNameFor(env), Constructs.Services.WorkerServiceNameFor(env)],
                TaskFamily = seam.TaskDefinitionFamily,
                PlatformStackName = seam.Stack.StackName,
                ContainerName = seam.ContainerName,
                ApiCapacityProviders = CapacityProvidersOf(seam.Service),
                TransactionLogBucketName = Constructs.TransactionLogBucket.NameFor(env),
                KeyAlias = Constructs.EncryptionKeys.AliasFor(env),
            });
        }

        var first = seams[0].Environment;
        var pipeline = new PipelineStack(app, PipelineStackId, new PipelineStackProps
        {
            StackName = PipelineStackName,
            Description = "Payments release pipeline: build, scan, image, then dev -> staging -> approval -> prod through CodeDeploy blue/green",
            Env = new Amazon.CDK.Environment { Account = first.Account, Region = first.Region },
            Settings = settings,
            Targets = targets,
        });
        Tags.Of(pipeline).Add("payments:system", "payments");
        Tags.Of(pipeline).Add("payments:component", "delivery");
        // The pipeline stack is complete here: one pass instead of an aspect (see ResourceFixups).
        ResourceFixups.Apply(pipeline, new NodeRuntimeFloor(), NagSuppressions.ForDelivery(pipeline, [.. seams.Select(seam => seam.Environment)]));
        return new DeliveryResult(deployments, pipeline);
    }

    /// <summary>The strategy exactly as the service resource declares it, so the appspec cannot drift from the table.</summary>
    private static List<CapacityProviderShare> CapacityProvidersOf(IBaseService service)
    {
        var cfn = (CfnService)service.Node.DefaultChild!;
        // Resolved L1 structs keep jsii's camelCase names (capacityProvider, base, weight).
        var resolved = cfn.CapacityProviderStrategy is { } strategy
            ? JsonSerializer.Deserialize<List<CapacityProviderShare>>(JsonSerializer.Serialize(Stack.Of(service).Resolve(strategy)), ResolvedJson)
            : null;
        if (resolved is null || resolved.Count == 0 || resolved.Any(share => string.IsNullOrEmpty(share.CapacityProvider)))
        {
            throw new ArgumentException($"the api service {service.Node.Path} declares no complete capacity-provider strategy; the release appspec needs one");
        }
        return resolved;
    }
}
