using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Components.Shared;
using WebDemo.Hosting;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;

namespace WebDemo.Tests.Components.Shared;

/// <summary>What a run tells the page once it returns: whether its items and provenance are this run's result, or not.</summary>
public sealed class TaskRunTests : IDisposable
{
    private static readonly Provenance Served = new("scripted", "test/model", "CPU", 1, 2, []);

    private readonly TaskRun<string> _run = new();

    public void Dispose() => _run.Dispose();

    private static async IAsyncEnumerable<InferenceUpdate<string>> Answer(string text, Exception? error = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        yield return InferenceUpdate<string>.ForPartial(text);
        ct.ThrowIfCancellationRequested();
        if (error is not null)
            throw error;
        yield return InferenceUpdate<string>.ForFinal(Served with { });
    }

    private Task<RunOutcome> RunAsync(Func<CancellationToken, IAsyncEnumerable<InferenceUpdate<string>>> start, PageAdmission? admission = null) =>
        _run.RunAsync(start, () => { }, _ => "stopped", admission);

    [Fact]
    public async Task A_run_that_ends_with_a_result_says_so()
    {
        Assert.Equal(RunOutcome.Finished, await RunAsync(ct => Answer("first", ct: ct)));

        Assert.Equal(["first"], _run.Items);
        Assert.NotNull(_run.Provenance);
    }

    [Fact]
    public async Task A_run_refused_for_its_input_says_so_and_the_earlier_result_stays()
    {
        await RunAsync(ct => Answer("first", ct: ct));
        var earlier = _run.Provenance;

        var outcome = await RunAsync(_ => throw new InferenceException(InferenceErrorKind.InvalidInput, "Enter a prompt."));

        Assert.Equal(RunOutcome.Refused, outcome);
        Assert.Equal("Enter a prompt.", _run.Error);
        Assert.Equal(["first"], _run.Items);
        Assert.Same(earlier, _run.Provenance);
    }

    [Fact]
    public async Task A_run_refused_by_the_rate_limit_says_so()
    {
        var admission = new PageAdmission(new ClientRateLimits(Options.Create(new RateLimitOptions { PermitsPerWindow = 1 })));
        await RunAsync(ct => Answer("first", ct: ct), admission);

        Assert.Equal(RunOutcome.Refused, await RunAsync(ct => Answer("second", ct: ct), admission));
        Assert.Contains("Too many requests", _run.Error);
        Assert.Equal(["first"], _run.Items);
    }

    [Fact]
    public async Task A_run_that_fails_part_way_says_so()
    {
        await RunAsync(ct => Answer("first", ct: ct));

        Assert.Equal(RunOutcome.Failed, await RunAsync(ct => Answer("half", new InferenceException(InferenceErrorKind.ModelUnavailable, "Gone."), ct)));
        Assert.Equal(["half"], _run.Items);
        Assert.Null(_run.Provenance);
    }

    [Fact]
    public async Task A_stopped_run_says_so()
    {
        var running = RunAsync(Forever);
        _run.Stop();

        Assert.Equal(RunOutcome.Stopped, await running);
        Assert.Equal("stopped", _run.Notice);
        Assert.Equal(["part"], _run.Items);
    }

    /// <summary>One item, then nothing until stopped.</summary>
    private static async IAsyncEnumerable<InferenceUpdate<string>> Forever([EnumeratorCancellation] CancellationToken ct = default)
    {
        yield return InferenceUpdate<string>.ForPartial("part");
        await Task.Delay(Timeout.Infinite, ct);
    }
}
