using System.Diagnostics;
using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// Batching of one encoder-decoder model's (T5's) concurrent greedy or sampled requests. On CPU a
/// one-token decoder step reads every decoder weight, so requests that step on their own each pay
/// for all of it; requests that start together here run as the rows of one
/// <see cref="EncoderDecoderState"/> (a cohort): one encoder run over their inputs (padded, the
/// padding masked), then one decoder run a step for all of them, and the weights are read once.
/// <para>
/// A cohort starts with the requests waiting to start when no other cohort is starting (after
/// <see cref="GatherWait"/>, for requests sent at the same moment): a lone request starts alone, and
/// the requests that arrive while a cohort's encoder runs form the next one. Rows cannot join later: the exported decoder takes no self-attention mask, so
/// every row must be at the same position (T5's relative positions count from it). A request that
/// ends early (its end token, a stop, cancelled, its reader gone) leaves its row, which steps on
/// with a filler token until the cohort's last request ends; its results are not read.
/// </para>
/// <para>A step runs when every request still in the cohort has handed in its token, on the thread
/// of the last one to do so. A cohort whose start fails (one bad input, a batch too large for the
/// device) is started again request by request; a step that fails fails the requests that share
/// it. Beam search and uncached runs keep a state of their own.</para>
/// </summary>
internal sealed class EncoderDecoderBatcher
{
    /// <summary>
    /// How long a request that is to start a cohort waits for others sent at the same moment (they
    /// arrive microseconds apart); against an encoder run of milliseconds a lone request loses nothing.
    /// </summary>
    internal static readonly TimeSpan GatherWait = TimeSpan.FromMilliseconds(1);

    private readonly EncoderDecoderGraphs _graphs;
    private readonly int _startId;
    private readonly int _vocabSize;
    private readonly object _gate = new();
    private readonly List<Request> _arriving = []; // waiting to start, first come first
    private bool _starting;

    public EncoderDecoderBatcher(EncoderDecoderGraphs graphs, int startId, int vocabSize, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 2);
        _graphs = graphs;
        _startId = startId;
        _vocabSize = vocabSize;
        MaxBatch = maxBatch;
    }

    /// <summary>The most requests one cohort runs.</summary>
    public int MaxBatch { get; }

    /// <summary>For checks: the largest cohort so far, and how many cohorts hold a state now.</summary>
    internal (int MostRows, int LiveCohorts) Counts
    {
        get
        {
            lock (_gate)
                return (_mostRows, _liveCohorts);
        }
    }

    private int _mostRows, _liveCohorts;

    /// <summary>
    /// For checks: holds every start back, as a cohort that is starting does, so that the requests
    /// started meanwhile form one cohort when it is disposed; <see cref="Arriving"/> counts them.
    /// </summary>
    internal IDisposable HoldStarts()
    {
        lock (_gate)
            _starting = true;
        return new Release(() =>
        {
            lock (_gate)
            {
                _starting = false;
                Monitor.PulseAll(_gate);
            }
        });
    }

    internal int Arriving
    {
        get
        {
            lock (_gate)
                return _arriving.Count;
        }
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }

    /// <summary>A request for one input (not run until <see cref="IDecoderState.Start"/>).</summary>
    public Request Open(IReadOnlyList<int> inputIds) => new(this, inputIds);

    /// <summary>Puts the request in the next cohort and returns when that cohort's first step has run (possibly on this thread).</summary>
    private void Start(Request request)
    {
        lock (_gate)
        {
            _arriving.Add(request);
            Monitor.PulseAll(_gate);
        }
        while (true)
        {
            List<Request> members;
            lock (_gate)
            {
                while (request.Cohort is null && request.Failure is null && (_starting || _arriving.Count == 0))
                    Monitor.Wait(_gate);
                if (request.Cohort is not null || request.Failure is not null)
                    break;
                _starting = true;
                // Requests sent at once reach here microseconds apart: a moment's wait lets them start together.
                var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * GatherWait.Ticks / TimeSpan.TicksPerSecond;
                while (_arriving.Count < MaxBatch && Stopwatch.GetTimestamp() < deadline)
                    Monitor.Wait(_gate, GatherWait);
                members = _arriving.Take(MaxBatch).ToList();
                _arriving.RemoveRange(0, members.Count);
            }
            StartCohort(members); // perhaps without this request, if it was not among the first: then it waits for the next
        }
        if (request.Failure is { } failure)
            throw Rethrown(failure);
    }

    /// <summary>
    /// Runs the members' encoder and first step as one cohort; if that fails (one bad input, or a
    /// batch too large for the device's memory), each member then starts alone, so that one
    /// request's failure is not the others'.
    /// </summary>
    private void StartCohort(List<Request> members)
    {
        var started = new List<(Request Member, Cohort? Cohort, int Row, Exception? Failure)>();
        try
        {
            var cohort = new Cohort(this, members);
            started.AddRange(members.Select((m, row) => (m, (Cohort?)cohort, row, (Exception?)null)));
        }
        catch (Exception ex)
        {
            foreach (var member in members)
            {
                try
                {
                    started.Add(members.Count == 1 ? (member, null, 0, ex) : (member, new Cohort(this, [member]), 0, null));
                }
                catch (Exception alone)
                {
                    started.Add((member, null, 0, alone));
                }
            }
        }
        lock (_gate)
        {
            foreach (var (member, cohort, row, failure) in started)
                (member.Cohort, member.Row, member.Failure) = (cohort, row, failure);
            foreach (var cohort in started.Select(s => s.Cohort).OfType<Cohort>().Distinct())
            {
                _mostRows = Math.Max(_mostRows, cohort.Rows);
                _liveCohorts++;
            }
            _starting = false;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// A failure of a run several requests shared, as this request's own exception: one exception
    /// object thrown on several threads would have its stack trace rewritten by each.
    /// </summary>
    private static InferenceException Rethrown(Exception failure) => new(
        failure is InferenceException known ? known.Kind : InferenceErrorKind.BackendFailed, failure.Message, failure);

    private void Ended()
    {
        lock (_gate)
            _liveCohorts--;
    }

    /// <summary>Requests that started together: one state, a row each, stepping in lockstep.</summary>
    internal sealed class Cohort : IDisposable
    {
        private readonly EncoderDecoderBatcher _batcher;
        private readonly EncoderDecoderState _state;
        private readonly object _gate = new();
        private readonly int[] _tokens;
        private readonly bool[] _left;
        private float[] _logits;
        private int _handedIn, _live, _stepsRun;
        private Exception? _failure;

        public Cohort(EncoderDecoderBatcher batcher, List<Request> members)
        {
            _batcher = batcher;
            _state = new EncoderDecoderState(batcher._graphs, members.Select(m => m.InputIds).ToList(), batcher._startId, batcher._vocabSize);
            try
            {
                _logits = _state.Start(members.Count);
            }
            catch
            {
                _state.Dispose();
                throw;
            }
            _tokens = new int[members.Count];
            _left = new bool[members.Count];
            _live = members.Count;
        }

        public TimeSpan EncoderTime => _state.EncoderTime;

        public int Rows => _tokens.Length;

        public ReadOnlySpan<float> LogitsOf(int row) => _logits.AsSpan(row * _batcher._vocabSize, _batcher._vocabSize);

        /// <summary>Hands in a row's token; returns when the step has run (on this thread when it was the last to hand in).</summary>
        public void Step(int row, int token)
        {
            int step;
            lock (_gate)
            {
                (_tokens[row], step) = (token, _stepsRun);
                _handedIn++;
                if (_handedIn < _live)
                {
                    while (_stepsRun == step)
                        Monitor.Wait(_gate);
                    if (_failure is { } failure)
                        throw Rethrown(failure);
                    return;
                }
            }
            Run();
            lock (_gate)
            {
                if (_failure is { } failure)
                    throw Rethrown(failure);
            }
        }

        /// <summary>A cohort of one request may feed several tokens at once (<see cref="IDecoderState.TryNextSeveral"/>); one of several steps in lockstep.</summary>
        public float[]? TryStepSeveral(ReadOnlySpan<int> tokens) => Rows == 1 ? _state.TryNextSeveral(tokens) : null;

        public void KeepFed(int count) => _state.KeepFed(count);

        /// <summary>A row's request ended: its row steps on with a filler token. The last one out frees the state.</summary>
        public void Leave(int row)
        {
            bool run, last;
            lock (_gate)
            {
                _left[row] = true;
                _tokens[row] = 0;
                _live--;
                last = _live == 0;
                run = !last && _handedIn == _live; // the others were waiting only for this row
            }
            if (run)
                Run();
            if (last)
                Dispose();
        }

        /// <summary>Frees the state; done by the last request to leave.</summary>
        public void Dispose()
        {
            _state.Dispose();
            _batcher.Ended();
        }

        private void Run()
        {
            Exception? failure = null;
            try
            {
                _logits = _state.Next(_tokens);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            lock (_gate)
            {
                _failure = failure;
                _handedIn = 0;
                _stepsRun++;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>One request's rows of its cohort's runs.</summary>
    internal sealed class Request(EncoderDecoderBatcher batcher, IReadOnlyList<int> inputIds) : IDecoderState
    {
        internal readonly IReadOnlyList<int> InputIds = inputIds;
        private readonly float[] _logits = new float[batcher._vocabSize];
        private bool _left;

        // Set by the thread that starts the cohort.
        internal Cohort? Cohort;
        internal int Row;
        internal Exception? Failure;

        public int VocabSize => batcher._vocabSize;

        /// <summary>How long the cohort's encoder took (it ran once for every request in it).</summary>
        public TimeSpan EncoderTime => Cohort?.EncoderTime ?? TimeSpan.Zero;

        public float[] Start(int rows)
        {
            if (rows != 1)
                throw new ArgumentOutOfRangeException(nameof(rows), "A batched request has one row (no beam search).");
            batcher.Start(this);
            Cohort!.LogitsOf(Row).CopyTo(_logits);
            return _logits;
        }

        public float[] Next(ReadOnlySpan<int> tokens)
        {
            Cohort!.Step(Row, tokens[0]);
            Cohort.LogitsOf(Row).CopyTo(_logits);
            return _logits;
        }

        public float[]? TryNextSeveral(ReadOnlySpan<int> tokens) => Cohort!.TryStepSeveral(tokens);

        public void KeepFed(int count) => Cohort!.KeepFed(count);

        public void Reorder(ReadOnlySpan<int> sources) => throw new NotSupportedException("A batched request has one row (no beam search).");

        public void Dispose()
        {
            if (_left || Cohort is null)
                return; // never started, or started and failed
            _left = true;
            Cohort.Leave(Row);
        }
    }
}
