using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>Listening to one service's metrics as an exporter would, and only to that service's meters.</summary>
public static class ServiceMeters
{
    /// <summary>A listener enabled for <paramref name="instrument"/> of <paramref name="services"/>' meters; not started (set its callback first).</summary>
    public static MeterListener Listen(IServiceProvider services, string instrument)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        return new MeterListener
        {
            InstrumentPublished = (published, listener) =>
            {
                if (published.Name == instrument && ReferenceEquals(published.Meter.Scope, meters))
                {
                    listener.EnableMeasurementEvents(published);
                }
            },
        };
    }
}

/// <summary>One tag's value of each measurement that one service recorded on a counter, in order.</summary>
public sealed class CounterTags : IDisposable
{
    private readonly MeterListener listener;
    private readonly ConcurrentQueue<string> values = new();

    public CounterTags(IServiceProvider services, string instrument, string tag)
    {
        listener = ServiceMeters.Listen(services, instrument);
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
