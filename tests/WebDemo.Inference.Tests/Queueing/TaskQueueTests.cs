using System.Runtime.CompilerServices;
using System.Threading.Channels;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Queueing;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tests.Queueing;

public class TaskQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Work that says when it starts and finishes only when the test lets it.</summary>
    private sealed class GatedWork
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Ran { get; private set; }

        public void Finish() => _release.TrySetResult();

        public async IAsyncEnumerable<InferenceUpdate<string>> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Ran = true;
            Started.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
            yield return InferenceUpdate<string>.ForPartial("done");
        }
    }

    /// <summary>Reads a queued call's stream in the background, so the test can watch its updates arrive.</summary>
    private sealed class Caller
    {
        private readonly Channel<InferenceUpdate<string>> _seen = Channel.CreateUnbounded<InferenceUpdate<string>>();
        public GatedWork Work { get; } = new();
        public CancellationTokenSource Cancel { get; } = new();
        public Task Completion { get; }

        public Caller(TaskQueue queue)
        {
            Completion = Task.Run(async () =>
            {
                try
                {
                    await foreach (var update in queue.RunAsync(Work.RunAsync, Cancel.Token))
                        await _seen.Writer.WriteAsync(update);
                }
                finally
                {
                    _seen.Writer.TryComplete();
                }
            });
        }

        /// <summary>The next queue position this caller is told (0 once it runs).</summary>
        public async Task<ProgressInfo> NextQueueUpdateAsync()
        {
            while (true)
            {
                var update = await _seen.Reader.ReadAsync().AsTask().WaitAsync(Patience);
                if (update.Progress is { Stage: "queue" } progress)
                    return progress;
            }
        }
    }

    [Fact]
    public async Task A_call_with_a_free_slot_runs_at_once_without_queue_updates()
    {
        var queue = new TaskQueue("t", concurrency: 2, maxWaiting: 4);

        var updates = await queue.RunAsync(_ => Items("a")).ToListAsync();

        Assert.Equal(["a"], updates.Select(u => u.Partial));
        Assert.Equal((0, 0), (queue.Snapshot().Running, queue.Snapshot().Waiting));
    }

    [Fact]
    public async Task Callers_beyond_the_slots_wait_in_order_and_hear_their_position()
    {
        var queue = new TaskQueue("t", concurrency: 1, maxWaiting: 4);
        var first = new Caller(queue);
        await first.Work.Started.Task.WaitAsync(Patience);
        var second = new Caller(queue);
        Assert.Equal(1, (await second.NextQueueUpdateAsync()).QueuePosition);
        var third = new Caller(queue);
        var thirdAt = await third.NextQueueUpdateAsync();
        Assert.Equal((2, 2), (thirdAt.QueuePosition, thirdAt.QueueLength));
        Assert.Contains("2nd of 2", thirdAt.Message, StringComparison.Ordinal);

        first.Work.Finish();
        await first.Completion.WaitAsync(Patience);
        Assert.Equal(0, (await second.NextQueueUpdateAsync()).QueuePosition); // its turn
        await second.Work.Started.Task.WaitAsync(Patience);
        Assert.Equal(1, (await third.NextQueueUpdateAsync()).QueuePosition);
        Assert.False(third.Work.Ran);

        second.Work.Finish();
        await third.Work.Started.Task.WaitAsync(Patience);
        third.Work.Finish();
        await Task.WhenAll(second.Completion, third.Completion).WaitAsync(Patience);
        Assert.Equal((0, 0), (queue.Snapshot().Running, queue.Snapshot().Waiting));
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_as_busy_with_a_retry_after()
    {
        var queue = new TaskQueue("summarization", concurrency: 1, maxWaiting: 1);
        var running = new Caller(queue);
        await running.Work.Started.Task.WaitAsync(Patience);
        var waiting = new Caller(queue);
        await waiting.NextQueueUpdateAsync();

        var error = await Assert.ThrowsAsync<InferenceException>(() => queue.RunAsync(_ => Items("x")).ToListAsync().AsTask());

        Assert.Equal(InferenceErrorKind.Busy, error.Kind);
        Assert.Contains("busy", error.Message, StringComparison.Ordinal);
        Assert.Contains("summarization", error.Message, StringComparison.Ordinal);
        Assert.True(error.RetryAfter >= TimeSpan.FromSeconds(1));
        running.Work.Finish();
        waiting.Work.Finish();
        await Task.WhenAll(running.Completion, waiting.Completion).WaitAsync(Patience);
    }

    [Fact]
    public async Task A_waiter_who_gives_up_leaves_its_place_and_those_behind_move_up()
    {
        var queue = new TaskQueue("t", concurrency: 1, maxWaiting: 4);
        var running = new Caller(queue);
        await running.Work.Started.Task.WaitAsync(Patience);
        var quitter = new Caller(queue);
        await quitter.NextQueueUpdateAsync();
        var patient = new Caller(queue);
        Assert.Equal(2, (await patient.NextQueueUpdateAsync()).QueuePosition);

        await quitter.Cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quitter.Completion.WaitAsync(Patience));

        Assert.Equal(1, (await patient.NextQueueUpdateAsync()).QueuePosition);
        running.Work.Finish();
        await patient.Work.Started.Task.WaitAsync(Patience);
        Assert.False(quitter.Work.Ran);
        patient.Work.Finish();
        await patient.Completion.WaitAsync(Patience);
        Assert.Equal((0, 0), (queue.Snapshot().Running, queue.Snapshot().Waiting));
    }

    [Fact]
    public async Task Work_that_fails_or_is_cancelled_gives_its_slot_back()
    {
        var queue = new TaskQueue("t", concurrency: 1, maxWaiting: 4);

        await Assert.ThrowsAsync<InferenceException>(() => queue.RunAsync(_ => Failing()).ToListAsync().AsTask());
        var cancelled = new Caller(queue);
        await cancelled.Work.Started.Task.WaitAsync(Patience);
        await cancelled.Cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Completion.WaitAsync(Patience));

        Assert.Equal(0, queue.Snapshot().Running);
        Assert.Equal(["a"], (await queue.RunAsync(_ => Items("a")).ToListAsync()).Select(u => u.Partial));
    }

    [Fact]
    public async Task Once_a_call_has_been_timed_waiters_are_told_when_they_may_start()
    {
        var queue = new TaskQueue("t", concurrency: 1, maxWaiting: 4);
        await queue.RunAsync(_ => Items("warm-up")).ToListAsync();
        var running = new Caller(queue);
        await running.Work.Started.Task.WaitAsync(Patience);
        var waiting = new Caller(queue);

        var told = await waiting.NextQueueUpdateAsync();

        Assert.NotNull(told.EtaSeconds);
        Assert.Contains("to start", told.Message, StringComparison.Ordinal);
        running.Work.Finish();
        waiting.Work.Finish();
        await Task.WhenAll(running.Completion, waiting.Completion).WaitAsync(Patience);
    }

    private static async IAsyncEnumerable<InferenceUpdate<string>> Items(params string[] items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return InferenceUpdate<string>.ForPartial(item);
        }
    }

    private static async IAsyncEnumerable<InferenceUpdate<string>> Failing()
    {
        await Task.Yield();
        throw new InferenceException(InferenceErrorKind.BackendFailed, "boom");
#pragma warning disable CS0162 // an iterator needs a yield
        yield break;
#pragma warning restore CS0162
    }
}
