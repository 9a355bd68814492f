using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

/// <summary>A pipeline action with the role it runs as (its own RoleArn, else the pipeline's).</summary>
internal sealed record PipelineAction(Resource Pipeline, string Path, MappingNode Action, string? Provider, MappingNode? Configuration, RoleInfo? Role);

/// <summary>How the permission flows read CodePipeline pipelines and the ECS services a CodeDeploy group deploys.</summary>
internal static class PipelineActions
{
    public static IEnumerable<PipelineAction> Of(RuleContext context, Resource pipeline)
    {
        var pipelineRole = context.Access.Role(context.Template, pipeline.Property("RoleArn"));
        var stages = Engine.Resolver.Items(pipeline.Property("Stages"));
        for (var s = 0; s < stages.Count; s++)
        {
            var actions = Engine.Resolver.Items((stages[s] as MappingNode)?["Actions"]);
            for (var a = 0; a < actions.Count; a++)
            {
                if (actions[a] is not MappingNode action || action["ActionTypeId"] is not MappingNode typeId)
                {
                    continue;
                }

                var role = action["RoleArn"] is { } roleNode ? context.Access.Role(context.Template, roleNode) : pipelineRole;
                yield return new PipelineAction(pipeline, $"Properties/Stages/{s}/Actions/{a}", action, context.Symbols.Resolve(typeId["Provider"])?.Literal,
                    action["Configuration"] as MappingNode, role);
            }
        }
    }

    /// <summary>The CodeDeploy deployment group of the run an action names by application and group name.</summary>
    public static (Template Template, Resource Group)? DeploymentGroup(RuleContext context, Sym application, Sym group)
    {
        foreach (var template in context.Access.Templates)
        {
            var symbols = context.Access.Resolver(template);
            foreach (var candidate in template.OfType("AWS::CodeDeploy::DeploymentGroup"))
            {
                if (symbols.Name(candidate).SameValue(group) == Tri.Yes
                    && symbols.Resolve(candidate.Property("ApplicationName")) is { } app && app.SameValue(application) == Tri.Yes)
                {
                    return (template, candidate);
                }
            }
        }

        return null;
    }

    /// <summary>The ECS services (in the run) an ECS deployment group deploys.</summary>
    public static IEnumerable<(Template Template, Resource Service)> Services(RuleContext context, Template template, Resource group)
    {
        var symbols = context.Access.Resolver(template);
        foreach (var item in Engine.Resolver.Items(group.Property("ECSServices")))
        {
            if (item is MappingNode entry && symbols.Resolve(entry["ServiceName"]) is { } name
                && context.Access.Locate(name, "AWS::ECS::Service") is { } service)
            {
                yield return service;
            }
        }
    }

    /// <summary>The task definition of a service and its execution and task roles.</summary>
    public static (Resource Task, RoleInfo? Execution, RoleInfo? TaskRole)? TaskOf(RuleContext context, Template template, Resource service)
    {
        var symbols = context.Access.Resolver(template);
        var node = service.Property("TaskDefinition");
        var (taskTemplate, task) = symbols.ResourceOf(node) is { Type: "AWS::ECS::TaskDefinition" } referenced ? (template, referenced)
            // a service may name its task definition by family (the latest ACTIVE revision)
            : symbols.Resolve(node) is { } value && context.Access.Locate(value, "AWS::ECS::TaskDefinition") is { } found ? (found.Template, found.Resource)
            : (template, null);
        if (task is null)
        {
            return null;
        }

        return (task, context.Access.Role(taskTemplate, task.Property("ExecutionRoleArn")), context.Access.Role(taskTemplate, task.Property("TaskRoleArn")));
    }

    /// <summary>The ARN of a deployment config by name: a custom one of the run, else the predefined CodeDeployDefault.* one.</summary>
    public static Sym ConfigArn(RuleContext context, Template template, Node? configNode)
    {
        var symbols = context.Access.Resolver(template);
        if (symbols.ResourceOf(configNode) is { Type: "AWS::CodeDeploy::DeploymentConfig" } custom)
        {
            return symbols.Arn(custom);
        }

        var name = configNode is null ? Sym.Lit("CodeDeployDefault.ECSAllAtOnce") : symbols.Resolve(configNode) ?? Sym.Atom("deployment-config");
        return Sym.Concat(Sym.Lit("arn:aws:codedeploy:"), symbols.Region, Sym.Lit(":"), symbols.Account, Sym.Lit(":deploymentconfig:"), name);
    }
}
