using System.Collections.Concurrent;
using WebDemo.Inference.Onnx.Batching;

namespace WebDemo.Inference.Onnx.Tests.Batching;

/// <summary>
/// The micro-batcher's rules (grouping by length, size limit, waiting, cancellation, errors), with
/// the worker held at a gate or the clock moved by hand: nothing here depends on how fast the
/// machine is, and nothing asserts a duration.
/// </summary>
public sealed class MicroBatcherTests : IDisposable
{
    private readonly ConcurrentQueue<string[]> _batches = new();
    private readonly SemaphoreSlim _gate = new(0);
    private readonly TaskCompletionSource _blockerRunning = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualTimeProvider _clock = new();

    // Items are strings; "blocker" holds the worker at the gate, "bad" makes its batch throw.
    private List<string> Run(IReadOnlyList<string> items)
    {
        _batches.Enqueue([.. items]);
        if (items.Contains("blocker"))
        {
            _blockerRunning.TrySetResult();
            _gate.Wait(TimeSpan.FromMinutes(1));
        }
        if (items.Contains("bad"))
            throw new InvalidOperationException("bad item");
        return items.Select(i => "result of " + i).ToList();
    }

    private MicroBatcher<string, string> Batcher(int maxBatch, TimeSpan maxWait, double maxPadding = 0.25) =>
        new(Run, new MicroBatcherOptions(maxBatch, maxWait, maxPadding), _clock);

    /// <summary>Holds the worker in a batch of its own, so what is queued next is queued together.</summary>
    private async Task<Task<string>> BlockAsync(MicroBatcher<string, string> batcher)
    {
        var blocker = batcher.EnqueueAsync("blocker", 1);
        await _blockerRunning.Task.WaitAsync(TimeSpan.FromMinutes(1));
        return blocker;
    }

    [Fact]
    public async Task Queued_texts_run_grouped_by_length_in_batches_no_bigger_than_the_maximum()
    {
        using var batcher = Batcher(maxBatch: 3, maxWait: TimeSpan.Zero);
        var blocker = await BlockAsync(batcher);

        var tasks = batcher.EnqueueMany([("a10", 10), ("b40", 40), ("c11", 11), ("d41", 41), ("e12", 12), ("f42", 42), ("g13", 13)]);
        _gate.Release();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(1));
        await blocker;

        Assert.Equal(["result of a10", "result of b40", "result of c11", "result of d41", "result of e12", "result of f42", "result of g13"], results);
        Assert.Equal([["blocker"], ["a10", "c11", "e12"], ["b40", "d41", "f42"], ["g13"]], _batches.ToArray());
    }

    [Fact]
    public async Task A_lone_text_waits_for_company_until_the_maximum_wait()
    {
        using var batcher = Batcher(maxBatch: 4, maxWait: TimeSpan.FromMilliseconds(50));
        var waiting = _clock.NextTimer;

        var first = batcher.EnqueueAsync("a", 5);
        await waiting.WaitAsync(TimeSpan.FromMinutes(1)); // the worker is waiting for the clock
        var others = batcher.EnqueueMany([("b", 5), ("c", 6)]);
        Assert.False(first.IsCompleted);
        Assert.Empty(_batches);

        _clock.Advance(TimeSpan.FromMilliseconds(50));
        await Task.WhenAll([first, .. others]).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal([["a", "b", "c"]], _batches.ToArray());
    }

    [Fact]
    public async Task A_full_batch_runs_without_waiting_out_the_maximum_wait()
    {
        using var batcher = Batcher(maxBatch: 3, maxWait: TimeSpan.FromHours(1));
        var waiting = _clock.NextTimer;

        var first = batcher.EnqueueAsync("a", 5);
        await waiting.WaitAsync(TimeSpan.FromMinutes(1));
        var others = batcher.EnqueueMany([("b", 5), ("c", 5)]);

        await Task.WhenAll([first, .. others]).WaitAsync(TimeSpan.FromMinutes(1)); // the clock never moves
        Assert.Equal([["a", "b", "c"]], _batches.ToArray());
    }

    [Fact]
    public async Task A_text_queued_after_the_wait_ran_out_joins_the_next_batch()
    {
        using var batcher = Batcher(maxBatch: 8, maxWait: TimeSpan.Zero);
        var blocker = await BlockAsync(batcher);

        var late = batcher.EnqueueAsync("late", 1);
        _gate.Release();
        await Task.WhenAll(blocker, late).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal([["blocker"], ["late"]], _batches.ToArray());
    }

    [Fact]
    public async Task Cancelling_a_waiting_caller_removes_its_text_and_no_one_else_notices()
    {
        using var batcher = Batcher(maxBatch: 8, maxWait: TimeSpan.Zero);
        var blocker = await BlockAsync(batcher);
        using var cancel = new CancellationTokenSource();

        var cancelled = batcher.EnqueueMany([("x", 5), ("y", 5)], cancel.Token);
        var other = batcher.EnqueueAsync("z", 5);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled[0]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled[1]);
        _gate.Release();
        Assert.Equal("result of z", await other.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("result of blocker", await blocker);
        Assert.Equal([["blocker"], ["z"]], _batches.ToArray());
    }

    [Fact]
    public async Task Cancelling_a_caller_whose_text_is_running_does_not_cancel_the_batch()
    {
        using var batcher = Batcher(maxBatch: 8, maxWait: TimeSpan.Zero);
        using var cancel = new CancellationTokenSource();
        var first = await BlockAsync(batcher);
        var queued = batcher.EnqueueMany([("blocker", 1), ("b", 1)], cancel.Token);
        var other = batcher.EnqueueAsync("c", 1);
        _gate.Release(); // the first blocker finishes; the second batch (blocker, b, c) starts and holds
        await first.WaitAsync(TimeSpan.FromMinutes(1));
        while (_batches.Count < 2)
            await Task.Yield();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued[1]);
        _gate.Release();

        Assert.Equal("result of c", await other.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(["blocker", "b", "c"], _batches.ToArray()[1]);
    }

    [Fact]
    public async Task A_failing_text_fails_only_its_own_caller()
    {
        using var batcher = Batcher(maxBatch: 8, maxWait: TimeSpan.Zero);
        var blocker = await BlockAsync(batcher);

        var good1 = batcher.EnqueueAsync("good1", 5);
        var bad = batcher.EnqueueAsync("bad", 5);
        var good2 = batcher.EnqueueAsync("good2", 5);
        _gate.Release();

        Assert.Equal("result of good1", await good1.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("result of good2", await good2.WaitAsync(TimeSpan.FromMinutes(1)));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        Assert.Equal("bad item", error.Message);
        await blocker;
        // The batch failed as a whole, then each text ran alone.
        Assert.Equal([["blocker"], ["good1", "bad", "good2"], ["good1"], ["bad"], ["good2"]], _batches.ToArray());
    }

    [Fact]
    public async Task Disposing_fails_the_texts_still_waiting()
    {
        var batcher = Batcher(maxBatch: 8, maxWait: TimeSpan.Zero);
        var blocker = await BlockAsync(batcher);
        var waiting = batcher.EnqueueAsync("w", 1);

        batcher.Dispose();
        _gate.Release();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await blocker.WaitAsync(TimeSpan.FromMinutes(1)); // the running batch still finishes
        Assert.Throws<ObjectDisposedException>(() => { _ = batcher.EnqueueAsync("after", 1); });
    }

    public void Dispose() => _gate.Dispose();
}

public class BatchSelectionTests
{
    [Fact]
    public void The_oldest_text_runs_with_the_texts_nearest_its_length_shortest_first()
    {
        var chosen = BatchSelection.Choose([20, 50, 19, 80, 22, 21, 5], maxBatchSize: 4, maxPadding: 0.25);

        Assert.Equal([2, 0, 5, 4], chosen); // lengths 19, 20, 21, 22
    }

    [Fact]
    public void A_batch_never_exceeds_the_maximum_size()
    {
        var chosen = BatchSelection.Choose(Enumerable.Repeat(10, 100).ToList(), maxBatchSize: 8, maxPadding: 0.25);

        Assert.Equal(Enumerable.Range(0, 8), chosen);
    }

    [Fact]
    public void Texts_that_would_need_too_much_padding_wait_for_another_batch()
    {
        // 10 and 30 together cost 2 × 30 = 60 tokens for 40 real ones: 50 % padding.
        Assert.Equal([0], BatchSelection.Choose([10, 30], maxBatchSize: 8, maxPadding: 0.25));
        Assert.Equal([0, 1], BatchSelection.Choose([10, 30], maxBatchSize: 8, maxPadding: 0.5));
    }

    [Fact]
    public void The_oldest_text_always_runs_even_alone()
    {
        Assert.Equal([0], BatchSelection.Choose([500, 3, 4, 5], maxBatchSize: 8, maxPadding: 0));
        Assert.Equal([0], BatchSelection.Choose([7], maxBatchSize: 1, maxPadding: 1));
        Assert.Empty(BatchSelection.Choose([], maxBatchSize: 8, maxPadding: 1));
    }
}
