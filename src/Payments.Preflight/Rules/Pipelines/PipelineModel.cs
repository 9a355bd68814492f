using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Pipelines;

internal static class PipelineModel
{
    public static IEnumerable<(Resource Pipeline, string Path, MappingNode TypeId, string? Owner, string? Provider, string? Version)> Actions(RuleContext context)
    {
        foreach (var pipeline in context.Template.OfType("AWS::CodePipeline::Pipeline"))
        {
            var stages = Resolver.Items(pipeline.Property("Stages"));
            for (var s = 0; s < stages.Count; s++)
            {
                var actions = Resolver.Items((stages[s] as MappingNode)?["Actions"]);
                for (var a = 0; a < actions.Count; a++)
                {
                    if (actions[a] is MappingNode action && action["ActionTypeId"] is MappingNode typeId)
                    {
                        yield return (pipeline, $"Properties/Stages/{s}/Actions/{a}/ActionTypeId", typeId,
                            context.Resolve.String(typeId["Owner"]), context.Resolve.String(typeId["Provider"]), context.Resolve.String(typeId["Version"]));
                    }
                }
            }
        }
    }
}
