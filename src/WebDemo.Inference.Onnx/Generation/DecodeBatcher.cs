using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// Continuous batching of one decoder-only model's decode steps. On CPU a one-token step reads
/// every weight of the model, so concurrent requests that step one at a time each pay for all of
/// it; here the steps of the sequences in flight run as one ONNX run, one row each, and the weights
/// are read once for all of them.
/// <para>
/// Each request's prompt runs on its own (<see cref="Sequence.Start"/>, as without batching), then the
/// sequence joins at its first <see cref="Sequence.Next"/> and leaves when it is disposed (finished,
/// stopped, cancelled, or its reader gone). A step runs when every joined sequence has handed in its
/// token (or <see cref="MaxBatch"/> have, or the oldest has waited <see cref="StragglerWait"/>), one step
/// at a time, run by one of the waiting callers' threads. The rows live in a
/// <see cref="DecoderOnlyState"/>: while the same sequences step together, each step's present
/// values feed the next as they are; when one joins or leaves, their caches are gathered into a new
/// state, left-padded to the longest (<see cref="DecoderOnlyState.Gather"/>). A sequence that steps
/// alone and has never been batched runs on its own prompt's state: the unbatched path.
/// </para>
/// <para>Sampling, penalties and stop sequences stay with each request (<see cref="TokenGenerator"/> over a <see cref="Sequence"/>).</para>
/// </summary>
internal sealed class DecodeBatcher
{
    /// <summary>
    /// How long a sequence that handed in its token waits for joined ones that have not: they are
    /// normally microseconds behind (picking their token); one that is late (a busy machine) catches
    /// up at the next step instead of holding the others.
    /// </summary>
    internal static readonly TimeSpan StragglerWait = TimeSpan.FromMilliseconds(10);

    private readonly DecoderOnlyGraph _graph;
    private readonly int _vocabSize;
    private readonly object _gate = new();
    private readonly HashSet<Sequence> _joined = [];
    private readonly List<Sequence> _waiting = []; // handed in a token, first come first
    private readonly HashSet<DecoderOnlyState> _states = []; // the states holding joined sequences' caches
    private bool _stepping;

    public DecodeBatcher(DecoderOnlyGraph graph, int vocabSize, int maxBatch)
    {
        if (!graph.TakesAttentionMask)
            throw new ArgumentException("Batching needs a graph with an attention_mask input (for the padding).", nameof(graph));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 2);
        _graph = graph;
        _vocabSize = vocabSize;
        MaxBatch = maxBatch;
    }

    /// <summary>The most sequences one step runs.</summary>
    public int MaxBatch { get; }

    /// <summary>A sequence for one request's prompt (not run until <see cref="IDecoderState.Start"/>).</summary>
    public Sequence Open(IReadOnlyList<int> prompt) => new(this, new DecoderOnlyState(_graph, prompt, _vocabSize));

    /// <summary>For checks: the most rows a step has run, and how many times caches were gathered into a new batch.</summary>
    internal (int MostRows, int Gathers) Counts { get; private set; }

    /// <summary>For checks: how many states hold caches (released when their sequences leave).</summary>
    internal int HeldStates
    {
        get
        {
            lock (_gate)
                return _states.Count;
        }
    }

    /// <summary>Hands in a sequence's token; returns when its step has run (possibly on this thread).</summary>
    private void Step(Sequence sequence, int token)
    {
        lock (_gate)
        {
            if (_joined.Add(sequence))
                _states.Add(sequence.State);
            (sequence.Token, sequence.Done, sequence.Failure, sequence.HandedIn) = (token, false, null, Stopwatch.GetTimestamp());
            _waiting.Add(sequence);
            Monitor.PulseAll(_gate);
        }
        while (NextBatch(sequence) is { } batch)
            Run(batch); // perhaps for others only: this thread then waits for its own step
        if (sequence.Failure is { } failure)
            ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>Waits until the sequence's step has run (null), or a step is due and this thread is to run it (the sequences in it).</summary>
    private List<Sequence>? NextBatch(Sequence sequence)
    {
        lock (_gate)
        {
            while (!sequence.Done)
            {
                var wait = _stepping ? Timeout.InfiniteTimeSpan : UntilDue();
                if (wait == TimeSpan.Zero)
                {
                    var batch = _waiting.Take(MaxBatch).ToList();
                    _waiting.RemoveRange(0, batch.Count);
                    _stepping = true;
                    return batch;
                }
                Monitor.Wait(_gate, wait);
            }
            return null;
        }
    }

    /// <summary>Zero when a step is due; else how long until the oldest waiting sequence stops waiting for the others.</summary>
    private TimeSpan UntilDue()
    {
        if (_waiting.Count >= MaxBatch || _waiting.Count == _joined.Count)
            return TimeSpan.Zero;
        var left = StragglerWait - Stopwatch.GetElapsedTime(_waiting[0].HandedIn);
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    /// <summary>One step for <paramref name="batch"/>, on the state that holds exactly them, or on a gathered one.</summary>
    private void Run(List<Sequence> batch)
    {
        Exception? failure = null;
        try
        {
            var state = batch[0].State;
            if (state.Rows != batch.Count || batch.Any(s => s.State != state))
            {
                state = DecoderOnlyState.Gather(_graph, _vocabSize, batch.Select(s => (s.State, s.Row)).ToList());
                lock (_gate)
                    _states.Add(state);
                Counts = Counts with { Gathers = Counts.Gathers + 1 };
                for (var row = 0; row < batch.Count; row++)
                    (batch[row].State, batch[row].Row) = (state, row);
            }
            Counts = Counts with { MostRows = Math.Max(Counts.MostRows, batch.Count) };
            var tokens = new int[batch.Count];
            foreach (var sequence in batch)
                tokens[sequence.Row] = sequence.Token;
            var logits = state.Next(tokens);
            foreach (var sequence in batch)
                logits.AsSpan(sequence.Row * _vocabSize, _vocabSize).CopyTo(sequence.Logits);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        lock (_gate)
        {
            foreach (var sequence in batch)
                (sequence.Failure, sequence.Done) = (failure, true);
            _stepping = false;
            ReleaseUnused();
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Whether a sequence may run steps of its own (several tokens, <see cref="IDecoderState.TryNextSeveral"/>)
    /// on its state: no other sequence is joined, and its state holds only it. One that joins
    /// meanwhile waits at most <see cref="StragglerWait"/> and steps alone; from the next step on,
    /// the two step together.
    /// </summary>
    private bool StepsAlone(Sequence sequence)
    {
        lock (_gate)
            return _joined.All(s => s == sequence) && sequence.State.Rows == 1;
    }

    private void Leave(Sequence sequence)
    {
        lock (_gate)
        {
            if (!_joined.Remove(sequence))
            {
                sequence.State.Dispose(); // never joined: only its prompt ran
                return;
            }
            _waiting.Remove(sequence);
            // A running step may be using the states; it releases them when it ends.
            if (!_stepping)
                ReleaseUnused();
            Monitor.PulseAll(_gate); // the others may not need to wait for it any more
        }
    }

    /// <summary>Disposes the states no joined sequence is in (their rows gathered elsewhere, or left).</summary>
    private void ReleaseUnused()
    {
        var used = _joined.Select(s => s.State).ToHashSet();
        foreach (var state in _states.Where(s => !used.Contains(s)).ToList())
        {
            state.Dispose();
            _states.Remove(state);
        }
    }

    /// <summary>One request's sequence: its own prompt run, then its rows of the batched steps.</summary>
    internal sealed class Sequence(DecodeBatcher batcher, DecoderOnlyState prompt) : IDecoderState
    {
        // State and Row: where the cache is (its prompt's state until it is gathered); set by the step's runner.
        internal DecoderOnlyState State = prompt;
        internal int Row;
        internal int Token;
        internal long HandedIn;
        internal bool Done;
        internal Exception? Failure;
        internal float[] Logits = [];

        public int VocabSize => batcher._vocabSize;

        public float[] Start(int rows)
        {
            if (rows != 1)
                throw new ArgumentOutOfRangeException(nameof(rows), "A batched sequence has one row (no beam search).");
            Logits = new float[VocabSize];
            State.Start(rows: 1).AsSpan(0, VocabSize).CopyTo(Logits);
            return Logits;
        }

        public float[] Next(ReadOnlySpan<int> tokens)
        {
            batcher.Step(this, tokens[0]);
            return Logits;
        }

        public float[]? TryNextSeveral(ReadOnlySpan<int> tokens) => batcher.StepsAlone(this) ? State.TryNextSeveral(tokens) : null;

        public void KeepFed(int count) => State.KeepFed(count);

        public void Reorder(ReadOnlySpan<int> sources) => throw new NotSupportedException("A batched sequence has one row (no beam search).");

        public void Dispose() => batcher.Leave(this);
    }
}
