using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Queueing;

/// <summary>
/// A first-come, first-served queue in front of one task's local work, as Gradio's queue is:
/// at most <c>concurrency</c> calls run; up to <c>maxWaiting</c> more wait and hear their
/// position and an estimate of when they start, as progress updates in their own stream, so
/// every surface shows them. A call beyond that is refused at once (<see cref="InferenceErrorKind.Busy"/>),
/// so a burst cannot pile up work and memory without bound. A caller who gives up leaves its place.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A queue of callers, as users know it; it is not a collection type.")]
public sealed class TaskQueue(string task, int concurrency, int maxWaiting)
{
    // A waiter hears of a new position at most this often, so a long queue moving fast does not
    // flood every waiting page with updates.
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private TaskCompletionSource _moved = NewSignal();
    private int _running;
    private double? _averageSeconds; // how long a call holds its slot, smoothed

    public string TaskName => task;
    public int Concurrency => concurrency;
    public int MaxWaiting => maxWaiting;

    public (int Running, int Waiting, double? AverageSeconds) Snapshot()
    {
        lock (_gate)
            return (_running, _waiting.Count, _averageSeconds);
    }

    /// <summary>Runs <paramref name="work"/> once a slot is free, reporting the place in the queue until then.</summary>
    public async IAsyncEnumerable<InferenceUpdate<T>> RunAsync<T>(
        Func<CancellationToken, IAsyncEnumerable<InferenceUpdate<T>>> work,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        LinkedListNode<TaskCompletionSource>? ticket = null;
        lock (_gate)
        {
            if (_running < concurrency && _waiting.Count == 0)
                _running++;
            else if (_waiting.Count >= maxWaiting)
                throw Full();
            else
                ticket = _waiting.AddLast(NewSignal());
        }

        if (ticket is not null)
        {
            var admitted = false;
            try
            {
                var reported = -1;
                while (!ticket.Value.Task.IsCompleted)
                {
                    Task moved;
                    int position, length;
                    double? average;
                    lock (_gate)
                    {
                        moved = _moved.Task;
                        position = PositionOf(ticket);
                        length = _waiting.Count;
                        average = _averageSeconds;
                    }
                    if (position > 0 && position != reported)
                    {
                        reported = position;
                        yield return InferenceUpdate<T>.ForProgress(Waiting(position, length, average));
                        await Task.WhenAny(ticket.Value.Task, Task.Delay(ReportInterval, cancellationToken)).ConfigureAwait(false);
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    await Task.WhenAny(ticket.Value.Task, moved).WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                admitted = true;
            }
            finally
            {
                if (!admitted)
                    Leave(ticket);
            }
            // The last position shown would otherwise stay on the page until the first result.
            yield return InferenceUpdate<T>.ForProgress(new ProgressInfo("queue", "Your turn: running…") { QueuePosition = 0 });
        }

        var clock = Stopwatch.StartNew();
        try
        {
            await foreach (var update in work(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
                yield return update;
        }
        finally
        {
            Release(clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>A waiter that gives up: out of the queue, or, when its slot was given to it meanwhile, the slot back.</summary>
    private void Leave(LinkedListNode<TaskCompletionSource> ticket)
    {
        lock (_gate)
        {
            if (ticket.List is not null)
            {
                _waiting.Remove(ticket);
                SignalMoved();
                return;
            }
        }
        Release(seconds: null);
    }

    private void Release(double? seconds)
    {
        lock (_gate)
        {
            if (seconds is { } s)
                _averageSeconds = _averageSeconds is { } a ? a + 0.2 * (s - a) : s;
            if (_waiting.First is { } next)
            {
                _waiting.RemoveFirst();
                next.Value.TrySetResult(); // the slot passes straight to the next caller
                SignalMoved();
            }
            else
            {
                _running--;
            }
        }
    }

    private void SignalMoved()
    {
        var moved = _moved;
        _moved = NewSignal();
        moved.TrySetResult();
    }

    private int PositionOf(LinkedListNode<TaskCompletionSource> ticket)
    {
        if (ticket.List is null)
            return 0;
        var position = 1;
        for (var node = _waiting.First; node is not null && node != ticket; node = node.Next)
            position++;
        return position;
    }

    /// <summary>When the caller at this position may expect to start: the calls ahead, shared among the slots.</summary>
    private double? SecondsUntilStart(int position, double? average) =>
        average is { } a ? a * position / concurrency : null;

    private ProgressInfo Waiting(int position, int length, double? average)
    {
        var eta = SecondsUntilStart(position, average);
        var message = $"In the queue: {Ordinal(position)} of {length}" + (eta is { } s ? $", about {FormatSeconds(s)} to start" : "") + ".";
        return new ProgressInfo("queue", message) { QueuePosition = position, QueueLength = length, EtaSeconds = eta };
    }

    private InferenceException Full()
    {
        var wait = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(SecondsUntilStart(_waiting.Count, _averageSeconds) ?? 5)));
        return new InferenceException(InferenceErrorKind.Busy,
            $"The server is busy: {_waiting.Count} {task} requests are already waiting, the most it queues. Try again in about {FormatSeconds(wait.TotalSeconds)}.")
        { RetryAfter = wait };
    }

    private static string FormatSeconds(double seconds) =>
        seconds < 1 ? "a second" : seconds < 90 ? $"{Math.Ceiling(seconds):0} s" : $"{Math.Ceiling(seconds / 60):0} min";

    private static string Ordinal(int n)
    {
        var suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return n.ToString(CultureInfo.InvariantCulture) + suffix;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
