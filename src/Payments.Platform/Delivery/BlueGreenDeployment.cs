using Amazon.CDK;
using Amazon.CDK.AWS.CodeDeploy;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using EcsSecret = Amazon.CDK.AWS.ECS.Secret;
using SecretsManagerSecret = Amazon.CDK.AWS.SecretsManager.Secret;

namespace Payments.Platform.Delivery;

public sealed record BlueGreenDeploymentProps
{
    public required DeliveryEnvironment Delivery { get; init; }
    public required BlueGreenServiceTargets Targets { get; init; }
    public required int TestListenerPort { get; init; }
    public required RetentionDays LogRetention { get; init; }

    /// <summary>Destroy (dev, staging) or retain (prod) the smoke merchant secret and the hook's logs.</summary>
    public required RemovalPolicy RemovalPolicy { get; init; }
}

/// <summary>
/// CodeDeploy blue/green for one load-balanced ECS service: the deployment group (traffic shifting,
/// termination wait, automatic rollback), the smoke-test merchant and the pre-traffic hook.
/// It lives in the platform stack of its environment, next to the service it deploys.
/// </summary>
public sealed class BlueGreenDeployment : Construct
{
    public EcsApplication Application { get; }
    public EcsDeploymentGroup DeploymentGroup { get; }
    public PreTrafficHook Hook { get; }
    public SecretsManagerSecret SmokeMerchant { get; }

    public BlueGreenDeployment(Construct scope, string id, BlueGreenDeploymentProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var delivery = props.Delivery;
        var targets = props.Targets;
        if (targets.RollbackAlarms.Count == 0)
        {
            throw new ArgumentException($"blue/green for '{delivery.Name}' needs rollback alarms (green 5xx, p99 latency, unhealthy hosts), got none");
        }
        if (targets.SmokeMerchantIndex < 0)
        {
            throw new ArgumentException($"smoke merchant index must be >= 0, got {targets.SmokeMerchantIndex}");
        }

        // Secrets Manager generates the key; nobody ever sees or types it. The service learns the merchant
        // through ECS secrets, the hook reads the same secret at run time.
        SmokeMerchant = new SecretsManagerSecret(this, "SmokeMerchant", new SecretProps
        {
            // No fixed name: prod retains the secret on delete, and a retained fixed name would block re-creation.
            Description = $"Payments {delivery.Name}: merchant the CodeDeploy pre-traffic hook authorizes and cancels as",
            EncryptionKey = targets.Key,
            RemovalPolicy = props.RemovalPolicy,
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = $$"""{"merchantId":"{{delivery.SmokeMerchantId}}"}""",
                GenerateStringKey = "apiKey",
                ExcludePunctuation = true,
                PasswordLength = 48,
            },
        });
        var slot = $"Payments__Merchants__{targets.SmokeMerchantIndex}__";
        targets.Container.AddSecret(slot + "Id", EcsSecret.FromSecretsManager(SmokeMerchant, "merchantId"));
        targets.Container.AddSecret(slot + "ApiKey", EcsSecret.FromSecretsManager(SmokeMerchant, "apiKey"));

        Hook = new PreTrafficHook(this, "PreTrafficHook", new PreTrafficHookProps
        {
            Delivery = delivery,
            Vpc = targets.Vpc,
            TestListenerUrl = targets.TestListenerUrl,
            TestTlsHostName = targets.TestTlsHostName,
            TestListenerPort = props.TestListenerPort,
            SmokeMerchant = SmokeMerchant,
            Key = targets.Key,
            LogRetention = props.LogRetention,
            RemovalPolicy = props.RemovalPolicy,
        });

        Application = new EcsApplication(this, "Application", new EcsApplicationProps { ApplicationName = delivery.ApplicationName });

        // AWSCodeDeployRoleForECS is the managed policy CodeDeploy documents for ECS blue/green; it only
        // lets CodeDeploy invoke functions named CodeDeployHook_*, so the hook is granted explicitly below.
        var role = new Role(this, "ServiceRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("codedeploy.amazonaws.com"),
            Description = $"CodeDeploy blue/green for payments {delivery.Name}",
            ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("AWSCodeDeployRoleForECS")],
        });

        DeploymentGroup = new EcsDeploymentGroup(this, "Api", new EcsDeploymentGroupProps
        {
            Application = Application,
            DeploymentGroupName = delivery.ApiDeploymentGroupName,
            Service = targets.Service,
            Role = role,
            DeploymentConfig = delivery.DeploymentConfig,
            BlueGreenDeploymentConfig = new EcsBlueGreenDeploymentConfig
            {
                BlueTargetGroup = targets.BlueTargetGroup,
                GreenTargetGroup = targets.GreenTargetGroup,
                Listener = targets.ProdListener,
                TestListener = targets.TestListener,
                TerminationWaitTime = delivery.TerminationWait,
            },
            Alarms = [.. targets.RollbackAlarms],
            AutoRollback = new AutoRollbackConfig
            {
                FailedDeployment = true,
                StoppedDeployment = true,
                DeploymentInAlarm = true,
            },
        });
        Hook.Function.GrantInvoke(role);
        Hook.AllowReportingTo(delivery.ApplicationName, delivery.ApiDeploymentGroupName);
    }
}
