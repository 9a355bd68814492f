using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>
/// One tag's value of each measurement that one service recorded on a counter, in order: read through a
/// <see cref="MeterListener"/>, as an exporter would, and only from that service's meters.
/// </summary>
public sealed class CounterTags : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<string> values = new();

    public CounterTags(IServiceProvider services, string instrument, string tag)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (published, l) =>
        {
            if (published.Name == instrument && ReferenceEquals(published.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(published);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var measured in tags)
            {
                if (measured.Key == tag)
                {
                    values.Enqueue((string)measured.Value!);
                }
            }
        });
        listener.Start();
    }

    public IReadOnlyList<string> Values => [.. values];

    public void Dispose() => listener.Dispose();
}
