using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.Inference.Telemetry;
using static WebDemo.Inference.Telemetry.InferenceTelemetry;

namespace WebDemo.Inference.Tests.Telemetry;

/// <summary>
/// What <see cref="FailoverRunner"/> records through <see cref="InferenceTelemetry"/>: a span per
/// call and per provider attempt, and per attempt a request, its duration, time to first result,
/// output token rate and failure kind, tagged with task, provider, model, device and outcome only.
/// Each test runs under a task name of its own, as the meter is shared by the whole process.
/// </summary>
public class InferenceTelemetryTests
{
    private sealed record Item(string Text, int TokensOut = 0);

    /// <summary>A backend of the chain: the stream it answers with.</summary>
    private delegate IAsyncEnumerable<InferenceUpdate<Item>> Script(CancellationToken cancellationToken);

    private readonly string _task = "test-" + Guid.NewGuid().ToString("N")[..8];

    private static Script Answers(params Item[] items) => ct => Answer(items, ct);

    private static async IAsyncEnumerable<InferenceUpdate<Item>> Answer(Item[] items, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return InferenceUpdate<Item>.ForPartial(item);
        }
    }

    private static Script Fails(InferenceErrorKind kind, string message = "it failed") => _ => Fail(new InferenceException(kind, message));

    private static async IAsyncEnumerable<InferenceUpdate<Item>> Fail(InferenceException error)
    {
        await Task.Yield();
        if (error is not null)
            throw error;
        yield break;
    }

    private IAsyncEnumerable<InferenceUpdate<Item>> Run(params ChainLink<Script>[] chain) =>
        FailoverRunner.RunAsync<Script, Item>(_task, chain, (link, ct) => link.Backend(ct), item => (0, item.TokensOut), CancellationToken.None);

    private static async Task<InferenceException?> Drain(IAsyncEnumerable<InferenceUpdate<Item>> stream)
    {
        try
        {
            await foreach (var _ in stream)
            {
            }
            return null;
        }
        catch (InferenceException ex)
        {
            return ex;
        }
    }

    private static void AssertTags(Measured measured, string task, string provider, string model, string? device = null, string? outcome = null)
    {
        Assert.Equal(task, measured.Tag(TaskTag));
        Assert.Equal(provider, measured.Tag(ProviderTag));
        Assert.Equal(model, measured.Tag(ModelTag));
        Assert.Equal(device, measured.Tag(DeviceTag));
        Assert.Equal(outcome, measured.Tag(OutcomeTag));
    }

    [Fact]
    public async Task A_served_call_records_its_request_time_to_first_result_and_token_rate_with_task_provider_model_and_device()
    {
        using var capture = new TelemetryCapture(_task);

        Assert.Null(await Drain(Run(new ChainLink<Script>("local", "org/model", Answers(new Item("Hello", 2), new(" world", 3)), "CPU"))));

        var request = Assert.Single(capture.Of(RequestsInstrument));
        AssertTags(request, _task, "local", "org/model", "CPU", "ok");
        Assert.Equal(1, request.Value);
        AssertTags(Assert.Single(capture.Of(DurationInstrument)), _task, "local", "org/model", "CPU", "ok");
        var firstResult = Assert.Single(capture.Of(TimeToFirstResultInstrument));
        AssertTags(firstResult, _task, "local", "org/model", "CPU");
        var duration = Assert.Single(capture.Of(DurationInstrument)).Value;
        Assert.InRange(firstResult.Value, 0, duration);
        var rate = Assert.Single(capture.Of(OutputTokenRateInstrument));
        AssertTags(rate, _task, "local", "org/model", "CPU");
        Assert.Equal(5 / duration, rate.Value, 0.01 * rate.Value); // 5 output tokens over the attempt's time
        Assert.Empty(capture.Of(FailuresInstrument));

        var call = Assert.Single(capture.Spans, s => s.OperationName == _task);
        var attempt = Assert.Single(capture.Spans, s => s.OperationName == $"{_task} local");
        Assert.Equal(call.SpanId, attempt.ParentSpanId);
        Assert.Equal("ok", call.GetTagItem(OutcomeTag));
        Assert.Equal("local", call.GetTagItem(ProviderTag));
        Assert.Equal("ok", attempt.GetTagItem(OutcomeTag));
        Assert.Equal(5, attempt.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(ActivityStatusCode.Unset, attempt.Status);
    }

    [Fact]
    public async Task A_call_without_token_counts_records_no_token_rate()
    {
        using var capture = new TelemetryCapture(_task);

        Assert.Null(await Drain(Run(new ChainLink<Script>("local", "org/model", Answers(new Item("POSITIVE"))))));

        Assert.Single(capture.Of(TimeToFirstResultInstrument));
        Assert.Empty(capture.Of(OutputTokenRateInstrument));
        Assert.Null(Assert.Single(capture.Of(RequestsInstrument)).Tag(DeviceTag)); // no device known: no tag
    }

    [Fact]
    public async Task A_failover_records_the_first_providers_failure_kind_and_the_next_ones_success()
    {
        using var capture = new TelemetryCapture(_task);

        Assert.Null(await Drain(Run(
            new ChainLink<Script>("alpha", "org/model", Fails(InferenceErrorKind.RateLimited)),
            new ChainLink<Script>("beta", "org/model", Answers(new Item("Hi", 1))))));

        var requests = capture.Of(RequestsInstrument);
        Assert.Equal(2, requests.Count);
        AssertTags(Assert.Single(requests, r => r.Tag(ProviderTag) == "alpha"), _task, "alpha", "org/model", outcome: "failed");
        AssertTags(Assert.Single(requests, r => r.Tag(ProviderTag) == "beta"), _task, "beta", "org/model", outcome: "ok");
        var failure = Assert.Single(capture.Of(FailuresInstrument));
        Assert.Equal("alpha", failure.Tag(ProviderTag));
        Assert.Equal(nameof(InferenceErrorKind.RateLimited), failure.Tag(ErrorTypeTag));
        Assert.Equal("beta", Assert.Single(capture.Of(TimeToFirstResultInstrument)).Tag(ProviderTag)); // alpha gave no output

        var call = Assert.Single(capture.Spans, s => s.OperationName == _task);
        var alpha = Assert.Single(capture.Spans, s => s.OperationName == $"{_task} alpha");
        var beta = Assert.Single(capture.Spans, s => s.OperationName == $"{_task} beta");
        Assert.All([alpha, beta], span => Assert.Equal(call.SpanId, span.ParentSpanId));
        Assert.Equal(ActivityStatusCode.Error, alpha.Status);
        Assert.Equal(nameof(InferenceErrorKind.RateLimited), alpha.StatusDescription);
        Assert.Equal(true, alpha.GetTagItem("webdemo.failover"));
        Assert.Equal(ActivityStatusCode.Unset, beta.Status);
        Assert.Equal("beta", call.GetTagItem(ProviderTag));
        Assert.Equal(2, call.GetTagItem("webdemo.attempts"));
        Assert.Equal(ActivityStatusCode.Unset, call.Status);
    }

    [Fact]
    public async Task Failures_are_counted_by_kind_and_provider_and_a_failed_call_is_an_error_span()
    {
        using var capture = new TelemetryCapture(_task);

        var error = await Drain(Run(
            new ChainLink<Script>("alpha", "org/model", Fails(InferenceErrorKind.ProviderDown)),
            new ChainLink<Script>("beta", "org/model", Fails(InferenceErrorKind.TimedOut)),
            new ChainLink<Script>("gamma", "org/model", Fails(InferenceErrorKind.Unauthorized)),
            new ChainLink<Script>("delta", "org/model", Answers(new Item("never")))));

        Assert.Equal(InferenceErrorKind.Unauthorized, error?.Kind); // another provider cannot fix a bad token: delta is never tried
        Assert.Equal(
            [("alpha", "ProviderDown"), ("beta", "TimedOut"), ("gamma", "Unauthorized")],
            capture.Of(FailuresInstrument).Select(f => (f.Tag(ProviderTag), f.Tag(ErrorTypeTag))).Order());
        Assert.Equal(
            [("alpha", "skipped"), ("beta", "failed"), ("gamma", "failed")],
            capture.Of(RequestsInstrument).Select(r => (r.Tag(ProviderTag), r.Tag(OutcomeTag))).Order());
        Assert.Empty(capture.Of(TimeToFirstResultInstrument));

        var call = Assert.Single(capture.Spans, s => s.OperationName == _task);
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        Assert.Equal(nameof(InferenceErrorKind.Unauthorized), call.StatusDescription);
        Assert.Equal("failed", call.GetTagItem(OutcomeTag));
        Assert.Null(Assert.Single(capture.Spans, s => s.OperationName == $"{_task} gamma").GetTagItem("webdemo.failover"));
        Assert.DoesNotContain(capture.Spans, s => s.OperationName == $"{_task} delta");
    }

    [Fact]
    public async Task A_caller_that_stops_reading_leaves_a_cancelled_attempt_and_no_failure()
    {
        using var capture = new TelemetryCapture(_task);

        await foreach (var update in Run(new ChainLink<Script>("local", "org/model", Answers(new Item("one"), new("two")))))
        {
            if (update.Kind == UpdateKind.Partial)
                break;
        }

        AssertTags(Assert.Single(capture.Of(RequestsInstrument)), _task, "local", "org/model", outcome: "cancelled");
        Assert.Empty(capture.Of(FailuresInstrument));
        Assert.Equal("cancelled", Assert.Single(capture.Spans, s => s.OperationName == _task).GetTagItem(OutcomeTag));
    }

    [Fact]
    public async Task The_backend_runs_inside_its_attempts_span_so_its_HTTP_calls_are_children()
    {
        using var capture = new TelemetryCapture(_task);
        var seen = new List<string?>();
        async IAsyncEnumerable<InferenceUpdate<Item>> Observed([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            seen.Add(Activity.Current?.OperationName);
            yield return InferenceUpdate<Item>.ForPartial(new("a"));
            seen.Add(Activity.Current?.OperationName); // resumed by the caller's next read
            await Task.Yield();
            seen.Add(Activity.Current?.OperationName);
            yield return InferenceUpdate<Item>.ForPartial(new("b"));
        }

        Assert.Null(await Drain(Run(new ChainLink<Script>("local", "org/model", ct => Observed(ct)))));

        Assert.Equal([$"{_task} local", $"{_task} local", $"{_task} local"], seen);
    }

    [Fact]
    public async Task A_call_under_an_unrecorded_request_starts_its_own_trace_and_one_under_a_recorded_request_joins_it()
    {
        using var capture = new TelemetryCapture(_task);

        using (var untraced = new Activity("filtered request").Start()) // as the web host leaves a Blazor circuit's request unrecorded
        {
            Assert.False(untraced.Recorded);
            Assert.Null(await Drain(Run(new ChainLink<Script>("local", "org/model", Answers(new Item("a"))))));
            var call = Assert.Single(capture.Spans, s => s.OperationName == _task);
            Assert.Equal(default, call.ParentSpanId);
            Assert.NotEqual(untraced.TraceId, call.TraceId);
        }

        using var traced = new Activity("traced request") { ActivityTraceFlags = ActivityTraceFlags.Recorded }.Start();
        Assert.Null(await Drain(Run(new ChainLink<Script>("local", "org/model", Answers(new Item("a"))))));
        var joined = Assert.Single(capture.Spans, s => s.OperationName == _task && s.ParentSpanId != default);
        Assert.Equal(traced.SpanId, joined.ParentSpanId);
        Assert.Equal(traced.TraceId, joined.TraceId);
    }

    // ---- through a real task: nothing of the input or the output in any tag ----------------

    private sealed class QuotingBackend(string provider) : ILocalTaskBackend<TextClassificationCall, ClassifiedText>
    {
        public string Provider => provider;
        public string? Device => "CPU";
        public IReadOnlyCollection<string> Models => ["org/model"];
        public bool Fail { get; set; }

        public async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> StreamAsync(
            TextClassificationCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            if (Fail) // as a provider's error might quote what it was sent
                throw new InferenceException(InferenceErrorKind.BackendFailed, $"Could not classify '{call.Inputs[0]}'.");
            yield return InferenceUpdate<ClassifiedText>.ForPartial(
                new ClassifiedText(0, call.Inputs[0], [new LabelScore("LABEL-" + call.Inputs[0], 1)], false, 4));
        }
    }

    [Fact]
    public async Task No_tag_span_name_or_status_carries_the_input_or_the_output()
    {
        var provider = "quoting-" + Guid.NewGuid().ToString("N")[..8];
        using var capture = new TelemetryCapture(provider);
        var backend = new QuotingBackend(provider);
        var task = new TextClassificationTask([backend], Options.Create(new TextClassificationOptions()));
        const string input = "my very private sentence 4242";

        await task.RunAsync(new TextClassificationRequest([input])).ToListAsync();
        backend.Fail = true;
        await Assert.ThrowsAsync<InferenceException>(async () => await task.RunAsync(new TextClassificationRequest([input])).ToListAsync());

        Assert.Contains(capture.Measurements, m => m.Instrument == FailuresInstrument);
        Assert.Contains(capture.Measurements, m => m.Instrument == TimeToFirstResultInstrument && m.Tag(TaskTag) == "text-classification");
        var values = capture.Measurements.SelectMany(m => m.Tags.Values)
            .Concat(capture.Spans.SelectMany(s => s.TagObjects.Select(t => t.Value)))
            .Concat(capture.Spans.SelectMany(s => new[] { s.DisplayName, s.OperationName, s.StatusDescription }))
            .Concat(capture.Spans.SelectMany(s => s.Events.Select(e => e.Name)))
            .Select(v => v?.ToString() ?? "").ToList();
        Assert.NotEmpty(values);
        Assert.DoesNotContain(values, v => v.Contains("private sentence", StringComparison.Ordinal));
        Assert.DoesNotContain(values, v => v.Contains("LABEL-", StringComparison.Ordinal));
    }
}
