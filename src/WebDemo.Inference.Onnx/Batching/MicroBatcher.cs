namespace WebDemo.Inference.Onnx.Batching;

/// <summary>How texts are grouped into model runs (from <c>Onnx:BatchSize</c>, <c>Onnx:BatchMaxWaitMs</c>, <c>Onnx:BatchMaxPadding</c>).</summary>
/// <param name="MaxBatchSize">The most items in one run.</param>
/// <param name="MaxWait">How long a lone item may wait for others to join it, counted from its arrival.</param>
/// <param name="MaxPadding">The most padded tokens per real token in one run (see <see cref="BatchSelection"/>).</param>
internal sealed record MicroBatcherOptions(int MaxBatchSize, TimeSpan MaxWait, double MaxPadding);

/// <summary>
/// Dynamic micro-batching: items from any number of concurrent callers wait in one queue and one
/// worker runs them, a batch at a time, grouped by length (<see cref="BatchSelection"/>). Running
/// one batch at a time is deliberate: ONNX Runtime already spreads one run over every core, so
/// concurrent runs would only fight for them; batching instead makes each run's matrix products
/// bigger, which is where a CPU gains. While a batch runs, new items queue, so under load the next
/// batch is ready without waiting; an idle worker waits at most <see cref="MicroBatcherOptions.MaxWait"/>
/// for a lone item's company.
/// <para>Callers are independent: cancelling one removes its items (or drops their result if
/// they are already running) and no other caller notices; when a batch fails, each of its items
/// is run alone, so only the item that fails gets the error.</para>
/// </summary>
internal sealed class MicroBatcher<TItem, TResult> : IDisposable
{
    private readonly Func<IReadOnlyList<TItem>, IReadOnlyList<TResult>> _run;
    private readonly MicroBatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly List<Entry> _waiting = []; // oldest first
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource? _wake;
    private int _wakeAt = 1;
    private Task? _worker;

    /// <param name="run">Runs one batch and returns one result per item, in order. Called from one thread at a time.</param>
    public MicroBatcher(Func<IReadOnlyList<TItem>, IReadOnlyList<TResult>> run, MicroBatcherOptions options, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        _run = run;
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Queues one item of the given length; the task completes with its result.</summary>
    public Task<TResult> EnqueueAsync(TItem item, int length, CancellationToken cancellationToken = default) =>
        EnqueueMany([(item, length)], cancellationToken)[0];

    /// <summary>Queues a caller's items together (one request's lines), so they can be grouped with each other.</summary>
    public IReadOnlyList<Task<TResult>> EnqueueMany(IReadOnlyList<(TItem Item, int Length)> items, CancellationToken cancellationToken = default)
    {
        var entries = items.Select(i => new Entry(i.Item, i.Length, _time.GetTimestamp())).ToList();
        if (cancellationToken.IsCancellationRequested)
        {
            foreach (var entry in entries)
                entry.Completion.TrySetCanceled(cancellationToken);
            return entries.Select(e => e.Completion.Task).ToList();
        }
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            _waiting.AddRange(entries);
            _worker ??= Task.Run(WorkAsync, CancellationToken.None);
            if (_wake is not null && _waiting.Count >= _wakeAt)
            {
                _wake.TrySetResult();
                _wake = null;
            }
        }
        if (cancellationToken.CanBeCanceled)
        {
            foreach (var entry in entries)
                entry.Registration = cancellationToken.Register(static state =>
                {
                    var (batcher, entry, token) = ((MicroBatcher<TItem, TResult>, Entry, CancellationToken))state!;
                    batcher.Cancel(entry, token);
                }, (this, entry, cancellationToken));
        }
        return entries.Select(e => e.Completion.Task).ToList();
    }

    private void Cancel(Entry entry, CancellationToken token)
    {
        lock (_gate)
            _waiting.Remove(entry); // a running item is no longer waiting: its result is dropped below
        entry.Completion.TrySetCanceled(token);
    }

    private async Task WorkAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await WaitForItemsAsync(stop).ConfigureAwait(false);
                await WaitForCompanyAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            List<Entry> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                    continue; // all cancelled while we waited
                var chosen = BatchSelection.Choose(_waiting.Select(e => e.Length).ToList(), _options.MaxBatchSize, _options.MaxPadding);
                batch = chosen.Select(i => _waiting[i]).ToList();
                foreach (var entry in batch)
                    _waiting.Remove(entry);
            }
            Run(batch);
        }
    }

    private Task WaitForItemsAsync(CancellationToken stop)
    {
        lock (_gate)
        {
            if (_waiting.Count > 0)
                return Task.CompletedTask;
            _wakeAt = 1;
            _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _wake.Task.WaitAsync(stop);
        }
    }

    /// <summary>Until the batch is full or the oldest item has waited <see cref="MicroBatcherOptions.MaxWait"/>.</summary>
    private async Task WaitForCompanyAsync(CancellationToken stop)
    {
        while (true)
        {
            Task full;
            TimeSpan left;
            lock (_gate)
            {
                if (_waiting.Count == 0 || _waiting.Count >= _options.MaxBatchSize)
                    return;
                left = _options.MaxWait - _time.GetElapsedTime(_waiting[0].Arrived);
                if (left <= TimeSpan.Zero)
                    return;
                _wakeAt = _options.MaxBatchSize;
                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                full = _wake.Task;
            }
            using var timeUp = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var delay = Task.Delay(left, _time, timeUp.Token);
            await Task.WhenAny(full, delay).ConfigureAwait(false);
            await timeUp.CancelAsync().ConfigureAwait(false);
            stop.ThrowIfCancellationRequested();
            lock (_gate)
                _wake = null;
        }
    }

    private void Run(List<Entry> batch)
    {
        try
        {
            Complete(batch, _run(batch.Select(e => e.Item).ToList()));
        }
        catch (Exception) when (batch.Count > 1)
        {
            // One bad item must not fail the others: run each alone and let each meet its own outcome.
            foreach (var entry in batch)
                Run([entry]);
        }
        catch (Exception ex)
        {
            batch[0].Completion.TrySetException(ex);
            batch[0].Registration.Dispose();
        }
    }

    private static void Complete(List<Entry> batch, IReadOnlyList<TResult> results)
    {
        if (results.Count != batch.Count)
            throw new InvalidOperationException($"A batch of {batch.Count} items returned {results.Count} results.");
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(results[i]);
            batch[i].Registration.Dispose();
        }
    }

    public void Dispose()
    {
        List<Entry> left;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
                return;
            _stop.Cancel();
            left = [.. _waiting];
            _waiting.Clear();
        }
        foreach (var entry in left)
            entry.Completion.TrySetException(new ObjectDisposedException(GetType().Name, "The model was unloaded."));
    }

    private sealed class Entry(TItem item, int length, long arrived)
    {
        public TItem Item { get; } = item;

        public int Length { get; } = length;

        public long Arrived { get; } = arrived;

        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }
}
