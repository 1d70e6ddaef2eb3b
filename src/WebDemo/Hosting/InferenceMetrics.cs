using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using WebDemo.Inference.Telemetry;

namespace WebDemo.Hosting;

/// <summary>What one task did at one provider since the app started.</summary>
/// <param name="Calls">Attempts at this provider, whatever their outcome.</param>
/// <param name="Failures">Failed (or skipped) attempts by error kind, most first.</param>
/// <param name="TimeToFirstResultP50">Seconds, estimated to within about 5%; null before any output.</param>
/// <param name="MeanOutputTokenRate">Output tokens per second, over the attempts whose backend counts tokens.</param>
public sealed record InferenceSeries(
    string Task, string Provider, long Calls, long Succeeded, IReadOnlyList<KeyValuePair<string, long>> Failures,
    double? TimeToFirstResultP50, double? TimeToFirstResultP95, double? MeanOutputTokenRate);

/// <summary>
/// The app's own metrics since start, per task and provider, for the Status page: a
/// <see cref="MeterListener"/> over the <see cref="InferenceTelemetry"/> meter, so the page shows
/// the very measurements the exporters get, counted once. Memory is bounded: per series a few
/// counters and a fixed array of log-scale buckets for the time to first result, at most
/// <see cref="MaxSeries"/> series (tasks × providers are few; more would be a bug, and go to one
/// "other" series).
/// </summary>
internal sealed class InferenceMetrics : IHostedService, IDisposable
{
    public const int MaxSeries = 256;
    private const string Other = "(other)";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Task, string Provider), Series> _series = new();

    public InferenceMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == InferenceTelemetry.Name)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument.Name, value, tags));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();

    /// <summary>Every series so far, by task then provider.</summary>
    public IReadOnlyList<InferenceSeries> Snapshot() =>
        _series.OrderBy(s => s.Key.Task, StringComparer.Ordinal).ThenBy(s => s.Key.Provider, StringComparer.Ordinal)
            .Select(s => s.Value.Snapshot(s.Key.Task, s.Key.Provider)).ToList();

    private void Record(string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? task = null, provider = null, outcome = null, errorType = null;
        foreach (var (key, tag) in tags)
        {
            switch (key)
            {
                case InferenceTelemetry.TaskTag: task = tag as string; break;
                case InferenceTelemetry.ProviderTag: provider = tag as string; break;
                case InferenceTelemetry.OutcomeTag: outcome = tag as string; break;
                case InferenceTelemetry.ErrorTypeTag: errorType = tag as string; break;
            }
        }
        if (task is null || provider is null)
            return;
        var series = _series.Count < MaxSeries || _series.ContainsKey((task, provider))
            ? _series.GetOrAdd((task, provider), _ => new Series())
            : _series.GetOrAdd((Other, Other), _ => new Series());
        switch (instrument)
        {
            case InferenceTelemetry.RequestsInstrument: series.Attempt(outcome == "ok"); break;
            case InferenceTelemetry.FailuresInstrument: series.Failure(errorType ?? "unknown"); break;
            case InferenceTelemetry.TimeToFirstResultInstrument: series.FirstResult(value); break;
            case InferenceTelemetry.OutputTokenRateInstrument: series.TokenRate(value); break;
        }
    }

    private sealed class Series
    {
        private const int MaxKinds = 16;
        private readonly Lock _lock = new();
        private readonly Dictionary<string, long> _failures = new(StringComparer.Ordinal);
        private readonly LogBuckets _timeToFirstResult = new();
        private long _calls;
        private long _succeeded;
        private double _tokenRateSum;
        private long _tokenRates;

        public void Attempt(bool succeeded)
        {
            lock (_lock)
            {
                _calls++;
                if (succeeded)
                    _succeeded++;
            }
        }

        public void Failure(string kind)
        {
            lock (_lock)
            {
                if (!_failures.ContainsKey(kind) && _failures.Count >= MaxKinds)
                    kind = Other;
                _failures[kind] = _failures.GetValueOrDefault(kind) + 1;
            }
        }

        public void FirstResult(double seconds)
        {
            lock (_lock)
                _timeToFirstResult.Add(seconds);
        }

        public void TokenRate(double perSecond)
        {
            lock (_lock)
            {
                _tokenRateSum += perSecond;
                _tokenRates++;
            }
        }

        public InferenceSeries Snapshot(string task, string provider)
        {
            lock (_lock)
            {
                return new InferenceSeries(task, provider, _calls, _succeeded,
                    _failures.OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal).ToList(),
                    _timeToFirstResult.Quantile(0.50), _timeToFirstResult.Quantile(0.95),
                    _tokenRates == 0 ? null : _tokenRateSum / _tokenRates);
            }
        }
    }

    /// <summary>
    /// A histogram of seconds in fixed log-scale buckets, eight per doubling from 1 ms to about
    /// 17 minutes (each about 9% wide), so a quantile is known to within about 5% in 1.3 KB.
    /// </summary>
    internal sealed class LogBuckets
    {
        private const double Smallest = 0.001;
        private const int PerDoubling = 8;
        private const int Doublings = 20;
        private readonly long[] _counts = new long[PerDoubling * Doublings + 2]; // [0]: below 1 ms; [^1]: above the last
        private long _total;

        public void Add(double seconds)
        {
            var index = seconds < Smallest ? 0
                : Math.Min(_counts.Length - 1, 1 + (int)Math.Floor(Math.Log2(seconds / Smallest) * PerDoubling));
            _counts[index]++;
            _total++;
        }

        /// <summary>The middle (geometric) of the bucket holding the <paramref name="q"/> quantile; null when empty.</summary>
        public double? Quantile(double q)
        {
            if (_total == 0)
                return null;
            var rank = Math.Max(1, (long)Math.Ceiling(q * _total));
            long seen = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                seen += _counts[i];
                if (seen >= rank)
                    return i == 0 ? Smallest : Smallest * Math.Pow(2, (i - 0.5) / PerDoubling);
            }
            return null;
        }
    }
}
