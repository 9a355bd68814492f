using System.Globalization;

namespace Payments.Platform;

/// <summary>Helpers for <c>PAYMENTS_SYNTH_TIMINGS=1</c> (see Program.cs); diagnostics only.</summary>
public static class SynthTimings
{
    /// <summary>
    /// CPU time (user + system) of this process's live descendants — the jsii runtime's Node launcher and
    /// the Node kernel it starts — read from <c>/proc</c>; zero where there is no <c>/proc</c>. A running
    /// child's time is not in this process's own counters until it is reaped.
    /// </summary>
    public static TimeSpan DescendantProcessorTime()
    {
        if (!Directory.Exists("/proc"))
        {
            return TimeSpan.Zero;
        }
        var processes = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // the process exited while we looked
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // After the parenthesised command: state(0) ppid(1) ... utime(11) stime(12).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 12)
            {
                processes[pid] = (int.Parse(fields[1], CultureInfo.InvariantCulture),
                    long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
            }
        }
        long ticks = 0;
        var self = System.Environment.ProcessId;
        foreach (var (pid, (_, own)) in processes)
        {
            for (var ancestor = processes[pid].Parent; processes.TryGetValue(ancestor, out var up) || ancestor == self; ancestor = up.Parent)
            {
                if (ancestor == self)
                {
                    ticks += own;
                    break;
                }
            }
        }
        // Linux reports clock ticks, 100 per second on every supported configuration.
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}
