using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using WebDemo.Inference.Telemetry;

namespace WebDemo.Inference.Tests.Telemetry;

/// <summary>One measurement of an <see cref="InferenceTelemetry"/> instrument.</summary>
public sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public string? Tag(string key) => Tags.GetValueOrDefault(key)?.ToString();
}

/// <summary>
/// The measurements and finished spans of <see cref="InferenceTelemetry"/> that belong to one test:
/// those whose task or provider tag is the key it is given, since other tests of the process
/// record on the same static meter and source at the same time.
/// </summary>
public sealed class TelemetryCapture : IDisposable
{
    private readonly string _key;
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _spans;
    private readonly ConcurrentQueue<Measured> _measured = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public TelemetryCapture(string key)
    {
        _key = key;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == InferenceTelemetry.Name)
                listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.Start();
        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == InferenceTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Mine(activity.TagObjects))
                    _stopped.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(_spans);
    }

    public IReadOnlyList<Measured> Measurements => [.. _measured];

    public IReadOnlyList<Activity> Spans => [.. _stopped];

    public IReadOnlyList<Measured> Of(string instrument) => _measured.Where(m => m.Instrument == instrument).ToList();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
            copy[tag.Key] = tag.Value;
        if (Mine(copy))
            _measured.Enqueue(new Measured(instrument.Name, value, copy));
    }

    private bool Mine(IEnumerable<KeyValuePair<string, object?>> tags) =>
        tags.Any(t => t.Key is InferenceTelemetry.TaskTag or InferenceTelemetry.ProviderTag && Equals(t.Value, _key));

    public void Dispose()
    {
        _meters.Dispose();
        _spans.Dispose();
    }
}
