using System.Text.RegularExpressions;
using Payments.Preflight.Data;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Ecs;

internal sealed partial class FargateCpuMemory : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.FargateCpuMemory, Severity.Error,
        "Fargate task CPU/memory must be a supported combination",
        "Fargate accepts only fixed CPU/memory pairs (e.g. 256 CPU units with 512, 1024 or 2048 MiB). Any other pair fails task-definition registration: \"No Fargate configuration exists for given values\".",
        "Pick a supported pair (Data/fargate-cpu-memory.json), e.g. Cpu 256 / Memory 512, Cpu 1024 / Memory 2048.",
        "000",
        """
        Resources:
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              RequiresCompatibilities: [ FARGATE ]
              NetworkMode: awsvpc
              Cpu: "256"
              Memory: "4096"
        """,
        """
        Resources:
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              RequiresCompatibilities: [ FARGATE ]
              NetworkMode: awsvpc
              Cpu: "256"
              Memory: "512"
        """);

    public override void Check(RuleContext context)
    {
        foreach (var task in context.Template.OfType("AWS::ECS::TaskDefinition"))
        {
            var compatibilities = Resolver.Items(task.Property("RequiresCompatibilities")).Select(c => context.Resolve.String(c)).ToList();
            if (!compatibilities.Contains("FARGATE"))
            {
                continue;
            }

            var cpu = CpuUnits(context.Resolve.String(task.Property("Cpu")));
            var memory = MemoryMiB(context.Resolve.String(task.Property("Memory")));
            if (task.Property("Cpu") is null || task.Property("Memory") is null)
            {
                context.Report(task, "Properties", task.Properties,
                    $"Fargate task definition {task.LogicalId} must set task-level Cpu and Memory; registration fails without them.");
                continue;
            }

            if (cpu is null || memory is null)
            {
                continue;
            }

            var table = PreflightData.FargateMemoryByCpu;
            if (!table.TryGetValue(cpu.Value, out var memories))
            {
                context.Report(task, "Properties/Cpu", task.Property("Cpu"),
                    $"Fargate does not offer {cpu} CPU units; use one of {string.Join(", ", table.Keys.Order())}.");
            }
            else if (!memories.Contains(memory.Value))
            {
                context.Report(task, "Properties/Memory", task.Property("Memory"),
                    $"Fargate has no configuration with {cpu} CPU units and {memory} MiB; with {cpu} CPU units use {Describe(memories)} MiB.");
            }
        }
    }

    private static string Describe(long[] memories) =>
        memories.Length <= 6 ? string.Join(", ", memories) : $"{memories[0]}–{memories[^1]} in steps of {memories[1] - memories[0]}";

    internal static long? CpuUnits(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (long.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var units))
        {
            return units;
        }

        var match = VcpuPattern().Match(value);
        return match.Success ? (long)(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 1024) : null;
    }

    internal static long? MemoryMiB(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (long.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var mib))
        {
            return mib;
        }

        var match = GbPattern().Match(value);
        return match.Success ? (long)(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 1024) : null;
    }

    [GeneratedRegex(@"^\s*(\d*\.?\d+)\s*vcpu\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex VcpuPattern();

    [GeneratedRegex(@"^\s*(\d*\.?\d+)\s*gb\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex GbPattern();
}
