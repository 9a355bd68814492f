using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Payments.Api.Hosting;
using Payments.Platform.Delivery;

namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// A minimal CODE_DEPLOY service (VPC, ALB with prod and test listeners, blue and green groups) with the
/// delivery construct on top, per environment: the construct is tested on its own, independent of how the
/// platform stack builds the service.
/// </summary>
public sealed class BlueGreenFixture
{
    public const int TestListenerPort = 8443;
    private static readonly string[] AlarmIds = ["Green5xx", "GreenP99", "Unhealthy"];

    public IReadOnlyDictionary<string, Template> Templates { get; }
    public IReadOnlyDictionary<string, BlueGreenDeployment> Deployments { get; }

    public BlueGreenFixture()
    {
        var templates = new Dictionary<string, Template>();
        var deployments = new Dictionary<string, BlueGreenDeployment>();
        foreach (var name in new[] { "dev", "staging", "prod" })
        {
            var app = new App();
            var stack = new Stack(app, $"payments-{name}-fixture", new StackProps { Env = new Amazon.CDK.Environment { Account = "111111111111", Region = "eu-west-1" } });
            deployments[name] = Build(stack, name, testUrl: null, tlsHost: null);
            templates[name] = Template.FromStack(stack);
        }
        Templates = templates;
        Deployments = deployments;
    }

    /// <summary>One environment on its own stack; <paramref name="testUrl"/> overrides the test listener URL the hook calls.</summary>
    public static (Stack Stack, BlueGreenDeployment Deployment) BuildAlone(string name, string testUrl, string? tlsHost)
    {
        var app = new App();
        var stack = new Stack(app, $"payments-{name}-tls-fixture", new StackProps { Env = new Amazon.CDK.Environment { Account = "111111111111", Region = "eu-west-1" } });
        return (stack, Build(stack, name, testUrl, tlsHost));
    }

    private static BlueGreenDeployment Build(Stack stack, string name, string? testUrl, string? tlsHost)
    {
        var key = new Key(stack, "Key", new KeyProps { EnableKeyRotation = true });
        var vpc = new Vpc(stack, "Vpc", new VpcProps { MaxAzs = 2, NatGateways = 1 });
        var cluster = new Cluster(stack, "Cluster", new ClusterProps { Vpc = vpc });
        var taskDefinition = new FargateTaskDefinition(stack, "Task", new FargateTaskDefinitionProps { Cpu = 256, MemoryLimitMiB = 512, Family = $"payments-{name}-api" });
        var container = taskDefinition.AddContainer("api", new ContainerDefinitionOptions
        {
            ContainerName = "api",
            Image = ContainerImage.FromRegistry("111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:abc1234"),
            PortMappings = [new PortMapping { ContainerPort = ServiceContract.HttpPort }],
        });
        var service = new FargateService(stack, "Service", new FargateServiceProps
        {
            Cluster = cluster,
            TaskDefinition = taskDefinition,
            DeploymentController = new DeploymentController { Type = DeploymentControllerType.CODE_DEPLOY },
        });
        var alb = new ApplicationLoadBalancer(stack, "Alb", new ApplicationLoadBalancerProps { Vpc = vpc, InternetFacing = true });
        ApplicationTargetGroup Group(string id) => new(stack, id, new ApplicationTargetGroupProps
        {
            Vpc = vpc,
            Port = ServiceContract.HttpPort,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.IP,
            HealthCheck = new Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck { Path = ServiceContract.ReadinessPath },
        });
        var blue = Group("Blue");
        var green = Group("Green");
        var prod = alb.AddListener("Prod", new BaseApplicationListenerProps { Port = 80, Open = true, DefaultTargetGroups = [blue] });
        var test = alb.AddListener("Test", new BaseApplicationListenerProps { Port = TestListenerPort, Protocol = ApplicationProtocol.HTTP, Open = false, DefaultTargetGroups = [green] });
        service.AttachToApplicationTargetGroup(blue);
        var alarms = AlarmIds
            .Select(id => (IAlarm)new Alarm(stack, id, new AlarmProps
            {
                Metric = green.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT),
                Threshold = 1,
                EvaluationPeriods = 1,
            }))
            .ToList();
        return new BlueGreenDeployment(stack, "Delivery", new BlueGreenDeploymentProps
        {
            Delivery = DeliveryTable.For(name),
            TestListenerPort = TestListenerPort,
            LogRetention = RetentionDays.ONE_WEEK,
            RemovalPolicy = name == "prod" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            Targets = new BlueGreenServiceTargets
            {
                Service = service,
                Container = container,
                BlueTargetGroup = blue,
                GreenTargetGroup = green,
                ProdListener = prod,
                TestListener = test,
                TestListenerUrl = testUrl ?? $"http://{alb.LoadBalancerDnsName}:{TestListenerPort}",
                TestTlsHostName = tlsHost,
                RollbackAlarms = alarms,
                Vpc = vpc,
                Key = key,
            },
        });
    }
}
