using System.Diagnostics;
using System.Diagnostics.Metrics;
using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Telemetry;

/// <summary>
/// The app's own metrics and traces: the meter and activity source "WebDemo.Inference". The
/// failover runner records every task call (a span) and every provider it tries (a span, a request,
/// its duration, its time to first result, its output tokens per second, its failure by kind).
/// Tags name only the task, provider, model, device, outcome and error kind: never an input, an
/// output or a token, so nothing a user typed or a secret can reach a collector.
/// </summary>
public static class InferenceTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "WebDemo.Inference";

    /// <summary>Counter: provider attempts, by task, provider, model, device and outcome.</summary>
    public const string RequestsInstrument = "webdemo.inference.requests";

    /// <summary>Histogram (s): how long each provider attempt took, whatever its outcome.</summary>
    public const string DurationInstrument = "webdemo.inference.duration";

    /// <summary>Histogram (s): from the start of an attempt to its first output.</summary>
    public const string TimeToFirstResultInstrument = "webdemo.inference.time_to_first_result";

    /// <summary>Histogram ({token}/s): output tokens over the time of the attempt that produced them, when the backend counts them.</summary>
    public const string OutputTokenRateInstrument = "webdemo.inference.output_token_rate";

    /// <summary>Counter: failed attempts, by task, provider, model, device and error kind.</summary>
    public const string FailuresInstrument = "webdemo.inference.failures";

    public const string TaskTag = "webdemo.task";
    public const string ProviderTag = "webdemo.provider";
    public const string ModelTag = "webdemo.model";
    public const string DeviceTag = "webdemo.device";

    /// <summary>"ok", "failed", "skipped" (circuit open) or "cancelled": the outcomes of <c>Provenance.Attempts</c>.</summary>
    public const string OutcomeTag = "webdemo.outcome";

    /// <summary>The <see cref="InferenceErrorKind"/> of a failure (the semantic conventions' attribute name).</summary>
    public const string ErrorTypeTag = "error.type";

    private static readonly string? Version = typeof(InferenceTelemetry).Assembly.GetName().Version?.ToString();
    private static readonly ActivitySource Source = new(Name, Version);
    private static readonly Meter Meter = new(Name, Version);

    private static readonly IReadOnlyList<double> SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(RequestsInstrument, "{request}",
        "Provider attempts of the app's tasks, by outcome.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(DurationInstrument, "s",
        "How long each provider attempt took.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    private static readonly Histogram<double> TimeToFirstResult = Meter.CreateHistogram(TimeToFirstResultInstrument, "s",
        "From the start of a provider attempt to its first output.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    private static readonly Histogram<double> OutputTokenRate = Meter.CreateHistogram(OutputTokenRateInstrument, "{token}/s",
        "Output tokens per second of a provider attempt that answered, when its backend counts tokens.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] });

    private static readonly Counter<long> Failures = Meter.CreateCounter<long>(FailuresInstrument, "{failure}",
        "Failed provider attempts, by error kind.");

    /// <summary>
    /// A span for one task call. When the code around it is not being recorded (a request the web
    /// host leaves out of traces, such as a Blazor circuit's or a hub's long-lived connection), the
    /// call starts a trace of its own rather than disappearing with it.
    /// </summary>
    internal static Call StartCall(string task)
    {
        if (Activity.Current is { Recorded: false })
            Activity.Current = null; // only in this call's own execution context
        return new Call(Source.StartActivity(task, ActivityKind.Internal, parentContext: default,
            [new(TaskTag, task)]));
    }

    /// <summary>A span and the measurements of one provider attempt of <paramref name="call"/>.</summary>
    internal static Attempt StartAttempt(Call call, string task, string provider, string model, string? device)
    {
        var tags = new TagList { { TaskTag, task }, { ProviderTag, provider }, { ModelTag, model } };
        if (device is not null)
            tags.Add(DeviceTag, device);
        var activity = Source.StartActivity($"{task} {provider}", ActivityKind.Internal, call.Context, tags);
        return new Attempt(activity, tags);
    }

    /// <summary>The span of one task call: which provider served it, or how it failed.</summary>
    internal sealed class Call(Activity? activity) : IDisposable
    {
        private bool _ended;

        public ActivityContext Context => activity?.Context ?? default;

        public void Served(string provider, string model, int attempts)
        {
            _ended = true;
            activity?.SetTag(ProviderTag, provider).SetTag(ModelTag, model)
                .SetTag("webdemo.attempts", attempts).SetTag(OutcomeTag, "ok");
        }

        public void Failed(InferenceErrorKind kind, int attempts)
        {
            _ended = true;
            activity?.SetTag("webdemo.attempts", attempts).SetTag(OutcomeTag, "failed").SetTag(ErrorTypeTag, kind.ToString())
                .SetStatus(ActivityStatusCode.Error, kind.ToString()); // the kind, never the message: it may quote the input
        }

        public void Dispose()
        {
            if (!_ended)
                activity?.SetTag(OutcomeTag, "cancelled");
            activity?.Dispose();
        }
    }

    /// <summary>
    /// One provider attempt: its span (made current around the backend's work, so the backend's
    /// HTTP calls are its children) and its measurements, recorded when it ends. An attempt
    /// disposed without an outcome was cancelled (the caller stopped, or gave up waiting).
    /// </summary>
    internal sealed class Attempt : IDisposable
    {
        private readonly Activity? _activity;
        private readonly TagList _tags;
        private readonly long _started = Stopwatch.GetTimestamp();
        private bool _firstResult;
        private bool _ended;

        internal Attempt(Activity? activity, TagList tags)
        {
            _activity = activity;
            _tags = tags;
        }

        /// <summary>Makes this attempt's span the current one, for the backend code about to run.</summary>
        public void Enter()
        {
            if (_activity is not null)
                Activity.Current = _activity;
        }

        public void FirstResult()
        {
            if (_firstResult)
                return;
            _firstResult = true;
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            TimeToFirstResult.Record(seconds, _tags);
            _activity?.SetTag("webdemo.time_to_first_result_ms", Math.Round(seconds * 1000, 1));
        }

        public void Succeeded(int tokensIn, int tokensOut)
        {
            var seconds = End("ok", null);
            if (tokensOut > 0 && seconds > 0)
                OutputTokenRate.Record(tokensOut / seconds, _tags);
            if (tokensIn > 0)
                _activity?.SetTag("gen_ai.usage.input_tokens", tokensIn);
            if (tokensOut > 0)
                _activity?.SetTag("gen_ai.usage.output_tokens", tokensOut);
        }

        public void Failed(InferenceErrorKind kind) =>
            End(kind == InferenceErrorKind.ProviderDown ? "skipped" : "failed", kind.ToString());

        /// <summary>The chain moves on to the next provider after this attempt's failure.</summary>
        public void FailingOver() => _activity?.SetTag("webdemo.failover", true);

        /// <summary>Ends the attempt on an exception that is no <see cref="InferenceException"/>: cancellation, or a bug.</summary>
        public void Threw(Exception exception) =>
            End(exception is OperationCanceledException ? "cancelled" : "failed",
                exception is OperationCanceledException ? null : exception.GetType().FullName);

        private double End(string outcome, string? errorType)
        {
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            if (_ended)
                return seconds;
            _ended = true;
            var tags = _tags;
            tags.Add(OutcomeTag, outcome);
            Requests.Add(1, tags);
            Duration.Record(seconds, tags);
            _activity?.SetTag(OutcomeTag, outcome);
            if (errorType is not null)
            {
                var failure = _tags;
                failure.Add(ErrorTypeTag, errorType);
                Failures.Add(1, failure);
                _activity?.SetTag(ErrorTypeTag, errorType).SetStatus(ActivityStatusCode.Error, errorType);
            }
            return seconds;
        }

        public void Dispose()
        {
            End("cancelled", null);
            _activity?.Dispose();
        }
    }
}
