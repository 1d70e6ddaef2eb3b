using WebDemo.Hosting;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Usage;

namespace WebDemo.Components.Shared;

/// <summary>What a component shows of a run: its items, progress and messages, besides what <see cref="ITaskRunResult"/> says.</summary>
public interface ITaskRunView<TItem> : ITaskRunResult
{
    IReadOnlyList<TItem> Items { get; }
    ProgressInfo? Progress { get; }
    string? Error { get; }
    string? Notice { get; }
}

/// <summary>How a run on a page ended.</summary>
public enum RunOutcome
{
    /// <summary>Refused before it started (the rate limit, bad input): nothing of it was shown.</summary>
    Refused,
    /// <summary>Ended with its result.</summary>
    Finished,
    /// <summary>Stopped by the visitor part-way.</summary>
    Stopped,
    /// <summary>Failed part-way, or ended without a result.</summary>
    Failed,
}

/// <summary>
/// The state of one run of a task on a page, out of the markup: start, stop, progress, the
/// items as they stream in, the error or notice, and the provenance. A page is then mostly
/// markup over this; a comparison is several of these side by side.
/// </summary>
internal sealed class TaskRun<TItem> : ITaskRunView<TItem>, IDisposable
{
    private readonly List<TItem> _items = [];
    private CancellationTokenSource? _cts;

    public IReadOnlyList<TItem> Items => _items;

    public bool Running { get; private set; }

    /// <summary>What is happening before output (download, load, retry, failover), while running.</summary>
    public ProgressInfo? Progress { get; private set; }

    public Provenance? Provenance { get; private set; }

    /// <summary>The request of the run whose items these are, as given to <see cref="RunAsync"/> (flags store it).</summary>
    public object? Input { get; private set; }

    /// <summary>An error a user can act on, in words.</summary>
    public string? Error { get; private set; }

    /// <summary>A note after the run (stopped part-way).</summary>
    public string? Notice { get; private set; }

    /// <summary>
    /// Starts the task and follows its stream, calling <paramref name="changed"/> after every
    /// update. A request refused before it starts (bad input) only sets <see cref="Error"/>:
    /// the earlier results stay.
    /// </summary>
    /// <param name="stopped">The notice when the user stops, given the items so far.</param>
    /// <param name="admission">The visitor's rate limit; a refused run only sets <see cref="Error"/>.</param>
    /// <param name="input">The request <paramref name="start"/> sends, kept as <see cref="Input"/> once the run starts.</param>
    /// <returns>
    /// How the run ended. Only <see cref="RunOutcome.Finished"/> means <see cref="Items"/> and
    /// <see cref="Provenance"/> are this run's whole result; after <see cref="RunOutcome.Refused"/>
    /// they are still an earlier run's, after a stop or a failure part of this one's.
    /// </returns>
    public async Task<RunOutcome> RunAsync(
        Func<CancellationToken, IAsyncEnumerable<InferenceUpdate<TItem>>> start, Action changed,
        Func<IReadOnlyList<TItem>, string> stopped, PageAdmission? admission = null, object? input = null)
    {
        if (admission?.Refuse() is { } refusal)
        {
            Error = refusal;
            return RunOutcome.Refused;
        }
        var cts = new CancellationTokenSource();
        IAsyncEnumerable<InferenceUpdate<TItem>> stream;
        try
        {
            // The task reads its caller as it starts: this page, this browser (usage accounting).
            using (UsageContext.Enter(UsageContext.Page, admission?.BrowserId))
                stream = start(cts.Token);
        }
        catch (InferenceException ex)
        {
            Error = ex.Message;
            cts.Dispose();
            return RunOutcome.Refused;
        }

        _cts = cts;
        _items.Clear();
        Error = Notice = null;
        Provenance = null;
        Input = input;
        Progress = null;
        Running = true;
        try
        {
            await foreach (var update in stream)
            {
                switch (update.Kind)
                {
                    case UpdateKind.Progress:
                        Progress = update.Progress;
                        break;
                    case UpdateKind.Partial when update.Partial is { } item:
                        Progress = null;
                        _items.Add(item);
                        break;
                    case UpdateKind.Final:
                        Provenance = update.Provenance;
                        break;
                }
                changed();
            }
            return Provenance is not null ? RunOutcome.Finished : RunOutcome.Failed;
        }
        catch (OperationCanceledException)
        {
            Notice = stopped(_items);
            return RunOutcome.Stopped;
        }
        catch (InferenceException ex)
        {
            Error = ex.Message;
            return RunOutcome.Failed;
        }
        finally
        {
            Running = false;
            Progress = null;
            _cts = null;
            cts.Dispose();
        }
    }

    public void Stop() => _cts?.Cancel();

    /// <summary>Forgets the results and messages (not while running).</summary>
    public void Clear()
    {
        if (Running)
            return;
        _items.Clear();
        Error = Notice = null;
        Provenance = null;
        Input = null;
    }

    /// <summary>Clears the error, as when the user edits the input after a refusal.</summary>
    public void ClearError() => Error = null;

    IReadOnlyList<object?> ITaskRunResult.Output => _items.Cast<object?>().ToList();

    public void Dispose() => _cts?.Cancel();
}

/// <summary>A run as a component beside it sees it (<c>FlagButton</c>): running or not, what it was asked, what it answered.</summary>
public interface ITaskRunResult
{
    bool Running { get; }

    /// <summary>The request of the run whose output this is.</summary>
    object? Input { get; }

    /// <summary>Set once the run has finished with a result.</summary>
    Provenance? Provenance { get; }

    /// <summary>The items, in the order they came.</summary>
    IReadOnlyList<object?> Output { get; }
}
