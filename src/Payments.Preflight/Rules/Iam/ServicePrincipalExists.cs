using System.Text.RegularExpressions;
using Payments.Preflight.Data;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Iam;

internal sealed partial class ServicePrincipalExists : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.ServicePrincipalExists, Severity.Error,
        "Service principals in trust policies must be real, and fit the role's use",
        "A trust policy naming a service principal that does not exist fails role creation (\"Invalid principal in policy\"). One naming the wrong real service (an ECS task role trusting ecs.amazonaws.com instead of ecs-tasks.amazonaws.com, a Lambda role not trusting lambda.amazonaws.com) deploys but the service cannot assume the role.",
        "Use the service's documented principal: ecs-tasks.amazonaws.com for task and execution roles, lambda.amazonaws.com for functions, logs.<region>.amazonaws.com for CloudWatch Logs.",
        "004",
        """
        Resources:
          TaskRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-task.amazonaws.com }
                    Action: sts:AssumeRole
        """,
        """
        Resources:
          TaskRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ecs-tasks.amazonaws.com }
                    Action: sts:AssumeRole
        """);

    public override void Check(RuleContext context)
    {
        var roleUses = RoleUses(context);
        foreach (var role in context.Template.OfType("AWS::IAM::Role"))
        {
            var trusted = new List<string>();
            var allKnown = true;
            var anyInvalid = false;
            var statements = Statements(role.Property("AssumeRolePolicyDocument"));
            foreach (var (node, resolved) in TrustedServices(context, statements))
            {
                if (resolved is not { } name)
                {
                    allKnown = false;
                    continue;
                }

                trusted.Add(name);
                switch (Classify(name))
                {
                    case PrincipalKind.KnownMistake:
                        anyInvalid = true;
                        context.Report(role, "Properties/AssumeRolePolicyDocument", node,
                            $"'{Excerpt.Of(name)}' is not a service principal; creating role {role.LogicalId} fails with \"Invalid principal in policy\". Use {PreflightData.PrincipalMistakes[name]}.");
                        break;
                    case PrincipalKind.WrongDomain:
                        anyInvalid = true;
                        context.Report(role, "Properties/AssumeRolePolicyDocument", node,
                            $"'{Excerpt.Of(name)}' is not a service principal (AWS service principals end in .amazonaws.com); creating role {role.LogicalId} fails with \"Invalid principal in policy\". Check the service's documentation for its principal.");
                        break;
                    case PrincipalKind.Unrecognized:
                        anyInvalid = true; // PF203 warns; the role's use cannot be judged either.
                        break;
                }
            }

            if (!allKnown || anyInvalid || statements.Count == 0 || !roleUses.TryGetValue(role.LogicalId, out var uses))
            {
                continue;
            }

            foreach (var (use, expected) in uses.Distinct())
            {
                if (!trusted.Any(t => expected.Contains(StripRegion(t), StringComparer.OrdinalIgnoreCase)))
                {
                    context.Report(role, "Properties/AssumeRolePolicyDocument", role.Property("AssumeRolePolicyDocument"),
                        $"role {role.LogicalId} is used as {use} but does not trust {expected[0]}; the service cannot assume it at run time. Add {expected[0]} to the trust policy.");
                }
            }
        }
    }

    /// <summary>The statements of a trust policy (a list or a single statement).</summary>
    internal static List<MappingNode> Statements(Node? document)
    {
        var statement = (document as MappingNode)?["Statement"];
        return statement switch
        {
            SequenceNode list => [.. list.Items.OfType<MappingNode>()],
            MappingNode single => [single],
            _ => [],
        };
    }

    internal enum PrincipalKind { Known, KnownMistake, WrongDomain, Unrecognized }

    /// <summary>
    /// Errors only where preflight is sure: a documented mistake, or a name outside AWS's service-principal
    /// domains. A well-formed name that is missing from the data may be a service newer than the data: PF203 warns.
    /// </summary>
    internal static PrincipalKind Classify(string principal)
    {
        if (PreflightData.PrincipalMistakes.ContainsKey(principal))
        {
            return PrincipalKind.KnownMistake;
        }

        if (!principal.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase)
            && !principal.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase)
            && !principal.EndsWith(".c2s.ic.gov", StringComparison.OrdinalIgnoreCase)
            && !principal.EndsWith(".sc2s.sgov.gov", StringComparison.OrdinalIgnoreCase))
        {
            return PrincipalKind.WrongDomain;
        }

        return IsKnown(principal) ? PrincipalKind.Known : PrincipalKind.Unrecognized;
    }

    internal static bool IsKnown(string principal)
    {
        var name = principal.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase) ? principal[..^3] : principal;
        if (PreflightData.ServicePrincipals.Contains(name) || PreflightData.ServicePrincipals.Contains(StripRegion(name)))
        {
            return true;
        }

        // A sub-principal of a known service (rds.application-autoscaling, tasks.apprunner, pods.eks, credentials.iot):
        // services name their features this way, and the data cannot list every one.
        var labels = StripRegion(name)[..^".amazonaws.com".Length].Split('.');
        return labels.Length >= 2 && PreflightData.ServicePrincipals.Contains($"{labels[^1]}.amazonaws.com");
    }

    /// <summary>Each service principal the statements trust, with its name (null when it does not resolve).</summary>
    internal static IEnumerable<(Node Node, string? Name)> TrustedServices(RuleContext context, List<MappingNode> statements)
    {
        foreach (var statement in statements)
        {
            if (statement["Principal"] is not MappingNode principal || principal["Service"] is not { } service)
            {
                continue;
            }

            foreach (var node in service is SequenceNode list ? list.Items : [service])
            {
                yield return (node, context.Resolve.String(node));
            }
        }
    }

    /// <summary>logs.eu-west-1.amazonaws.com → logs.amazonaws.com (regional principals).</summary>
    internal static string StripRegion(string principal) => RegionalPrincipal().Replace(principal, "${service}.amazonaws.com");

    private static Dictionary<string, List<(string Use, string[] Expected)>> RoleUses(RuleContext context)
    {
        var uses = new Dictionary<string, List<(string, string[])>>(StringComparer.Ordinal);
        void Add(Node? roleArn, string use, params string[] expected)
        {
            if (context.Resolve.ResourceOf(roleArn) is { Type: "AWS::IAM::Role" } role)
            {
                if (!uses.TryGetValue(role.LogicalId, out var list))
                {
                    uses[role.LogicalId] = list = [];
                }

                list.Add((use, expected));
            }
        }

        foreach (var task in context.Template.OfType("AWS::ECS::TaskDefinition"))
        {
            Add(task.Property("TaskRoleArn"), $"the task role of {task.LogicalId}", "ecs-tasks.amazonaws.com");
            Add(task.Property("ExecutionRoleArn"), $"the execution role of {task.LogicalId}", "ecs-tasks.amazonaws.com");
        }

        foreach (var function in context.Template.OfType("AWS::Lambda::Function"))
        {
            Add(function.Property("Role"), $"the execution role of function {function.LogicalId}", "lambda.amazonaws.com", "edgelambda.amazonaws.com");
        }

        foreach (var project in context.Template.OfType("AWS::CodeBuild::Project"))
        {
            Add(project.Property("ServiceRole"), $"the service role of CodeBuild project {project.LogicalId}", "codebuild.amazonaws.com");
        }

        foreach (var pipeline in context.Template.OfType("AWS::CodePipeline::Pipeline"))
        {
            Add(pipeline.Property("RoleArn"), $"the role of pipeline {pipeline.LogicalId}", "codepipeline.amazonaws.com");
        }

        foreach (var group in context.Template.OfType("AWS::CodeDeploy::DeploymentGroup"))
        {
            Add(group.Property("ServiceRoleArn"), $"the service role of deployment group {group.LogicalId}", "codedeploy.amazonaws.com");
        }

        foreach (var flowLog in context.Template.OfType("AWS::EC2::FlowLog"))
        {
            Add(flowLog.Property("DeliverLogsPermissionArn"), $"the delivery role of flow log {flowLog.LogicalId}", "vpc-flow-logs.amazonaws.com");
        }

        foreach (var instance in context.Template.OfType("AWS::RDS::DBInstance"))
        {
            Add(instance.Property("MonitoringRoleArn"), $"the monitoring role of {instance.LogicalId}", "monitoring.rds.amazonaws.com");
        }

        return uses;
    }

    [GeneratedRegex(@"^(?<service>[a-z0-9-]+)\.[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d\.amazonaws\.com$", RegexOptions.IgnoreCase)]
    private static partial Regex RegionalPrincipal();
}
