using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using WebDemo.Inference.Onnx.Runtime;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// The ONNX graph of a decoder-only language model as transformers.js and Optimum export it
/// (<c>onnx/model.onnx</c>): inputs <c>input_ids</c>, <c>attention_mask</c>, <c>position_ids</c>
/// (when the graph has it) and <c>past_key_values.{layer}.key/value</c>; outputs <c>logits</c> and
/// <c>present.{layer}.key/value</c>. The cache shape comes from the graph: <c>[rows, key/value heads,
/// positions, head size]</c>, so grouped-query attention (fewer key/value heads than attention heads)
/// needs nothing special. The session is shared by every request; each has its own <see cref="DecoderOnlyState"/>.
/// </summary>
internal sealed class DecoderOnlyGraph
{
    /// <param name="cache">Where the key/value cache stays between steps (the session's GPU on CUDA); host memory when null.</param>
    public DecoderOnlyGraph(InferenceSession session, CacheLocation? cache = null)
    {
        Session = session;
        Cache = cache ?? CacheLocation.Host;
        var inputs = session.InputMetadata;
        if (!inputs.ContainsKey("input_ids") || !session.OutputMetadata.ContainsKey("logits"))
            throw new InvalidOperationException("The ONNX graph is not a causal language model: it needs an input_ids input and a logits output.");
        PastNames = inputs.Keys.Where(n => n.StartsWith("past_key_values.", StringComparison.Ordinal)).ToList();
        if (PastNames.Count == 0)
            throw new InvalidOperationException(
                "The ONNX graph has no past_key_values inputs: export it with the key/value cache (Optimum's text-generation-with-past, transformers.js's model.onnx).");
        StepOutputs = ["logits", .. PastNames.Select(n => "present." + n["past_key_values.".Length..])];
        foreach (var present in StepOutputs.Skip(1))
        {
            if (!session.OutputMetadata.ContainsKey(present))
                throw new InvalidOperationException($"The ONNX graph has no {present} output for its {PastNameOf(present)} input.");
        }
        TakesPositionIds = inputs.ContainsKey("position_ids");
        TakesAttentionMask = inputs.ContainsKey("attention_mask");
        var past = inputs[PastNames[0]];
        CacheType = past.ElementDataType;
        (KeyValueHeads, HeadSize) = (past.Dimensions[1], past.Dimensions[3]);
        if (KeyValueHeads <= 0 || HeadSize <= 0)
            throw new InvalidOperationException($"The ONNX graph's {PastNames[0]} has no fixed head count and size (dimensions {string.Join(", ", past.Dimensions)}).");
    }

    public InferenceSession Session { get; }

    /// <summary>Where the present.* outputs are kept for the next step.</summary>
    public CacheLocation Cache { get; }

    /// <summary>The past inputs' names in graph order.</summary>
    public IReadOnlyList<string> PastNames { get; }

    /// <summary>logits, then the present.* output of each past input, in the same order.</summary>
    public IReadOnlyList<string> StepOutputs { get; }

    public bool TakesPositionIds { get; }

    public bool TakesAttentionMask { get; }

    /// <summary>float32 for fp32 and most quantized exports; float16 for fp16 and q4f16.</summary>
    public TensorElementType CacheType { get; }

    public int KeyValueHeads { get; }

    public int HeadSize { get; }

    public static string PastNameOf(string presentName) => "past_key_values." + presentName["present.".Length..];

    /// <summary>
    /// Whether the graph reads several new tokens after a cache as it reads them one at a time, so
    /// that guesses can be checked in one run (<see cref="PromptLookup"/>). Optimum's and
    /// transformers.js's exports do (the prompt runs through the same graph); an export traced with
    /// one new token may have that length, and so its causal mask, fixed inside. Checked once, by
    /// running three tokens both ways.
    /// </summary>
    public bool TakesSeveralTokens(int vocabSize) => _severalTokens.Get(
        () => new DecoderOnlyState(this, [1 % vocabSize, 2 % vocabSize], vocabSize),
        (state, tokens) => ((DecoderOnlyState)state).NextSeveral(tokens),
        CacheType);

    private readonly SeveralTokensProbe _severalTokens = new();
}

/// <summary>
/// One request's run of a decoder-only model: the prompt runs once (with an empty cache), then each
/// step feeds one new token per row and the cache, which grows by one position a step. A step's
/// <c>present.*</c> outputs become the next step's <c>past_key_values.*</c> as they are, never copied
/// (except when beam search reorders rows).
/// <para>
/// Without the cache (<c>useCache: false</c>, for verification and benchmarks), each step feeds the
/// whole sequence with an empty cache: the same tokens, with work growing with the square of the length.
/// </para>
/// <para>
/// A state made by <see cref="Gather"/> holds rows of other states (the decode batch of
/// <see cref="DecodeBatcher"/>): each row's cache is left-padded to the longest, the padding
/// masked out (attention_mask 0) and skipped by the row's position ids.
/// </para>
/// </summary>
internal sealed class DecoderOnlyState : IDecoderState
{
    private readonly DecoderOnlyGraph _graph;
    private readonly long[] _prompt;
    private readonly bool _useCache;
    private readonly RunOptions _runOptions = new();
    private int _rows;
    private float[] _logits = [];

    // Each row's sequence so far (the prompt, then the new tokens).
    private List<long>[] _sequences = [];
    private int _cached; // positions the cache holds, padding included
    private int[] _pads = []; // each row's padding positions at the start of the cache (Gather)
    private int _fedLast; // tokens the last step fed per row (KeepFed)

    private IDisposableReadOnlyCollection<OrtValue>? _stepOutputs;
    private readonly List<OrtValue> _owned = []; // empty pasts, and copies made by Reorder, Gather and KeepFed
    private readonly Dictionary<string, OrtValue> _past = new(StringComparer.Ordinal);

    public DecoderOnlyState(DecoderOnlyGraph graph, IReadOnlyList<int> prompt, int vocabSize, bool useCache = true)
    {
        if (prompt.Count == 0)
            throw new ArgumentException("A decoder-only model needs at least one prompt token.", nameof(prompt));
        _graph = graph;
        _prompt = prompt.Select(i => (long)i).ToArray();
        _useCache = useCache;
        VocabSize = vocabSize;
    }

    public int VocabSize { get; }

    /// <summary>The rows decoded side by side.</summary>
    public int Rows => _rows;

    /// <summary>
    /// A state already past its prompt whose row i continues row <c>sources[i].Row</c> of
    /// <c>sources[i].State</c> (each a cached state, possibly gathered itself): the rows' caches are
    /// copied, each left-padded to the longest. The sources are left as they were.
    /// </summary>
    public static DecoderOnlyState Gather(DecoderOnlyGraph graph, int vocabSize, IReadOnlyList<(DecoderOnlyState State, int Row)> sources)
    {
        var lengths = sources.Select(s => s.State.LengthOf(s.Row)).ToArray();
        var state = new DecoderOnlyState(graph, [0], vocabSize)
        {
            _rows = sources.Count,
            _logits = new float[sources.Count * vocabSize],
            _sequences = sources.Select(_ => new List<long>()).ToArray(), // only the no-cache path and beams read them
            _cached = lengths.Max(),
        };
        state._pads = lengths.Select(length => state._cached - length).ToArray();
        try
        {
            state.GatherPasts(graph, sources, lengths);
        }
        catch
        {
            state.Dispose();
            throw;
        }
        return state;
    }

    /// <summary>Builds each past of a gathered state from its sources' rows (see <see cref="Gather"/>).</summary>
    private void GatherPasts(DecoderOnlyGraph graph, IReadOnlyList<(DecoderOnlyState State, int Row)> sources, int[] lengths)
    {
        foreach (var name in graph.PastNames)
        {
            // Built in host memory (a cache on a GPU is copied down first); the next step takes it back up.
            var past = Own(KeyValueCache.Zeros(graph.CacheType, [_rows, graph.KeyValueHeads, _cached, graph.HeadSize]));
            var onHost = new Dictionary<DecoderOnlyState, OrtValue>(); // each source's cache, read once
            var copies = new List<OrtValue>();
            try
            {
                for (var row = 0; row < sources.Count; row++)
                {
                    var (source, sourceRow) = sources[row];
                    if (!onHost.TryGetValue(source, out var from))
                    {
                        onHost[source] = from = graph.Cache.ToHost(source._past[name], out var copied);
                        if (copied)
                            copies.Add(from);
                    }
                    KeyValueCache.CopyPositions(from, sourceRow, source._pads[sourceRow], past, row, _pads[row], lengths[row]);
                }
            }
            finally
            {
                foreach (var copy in copies)
                    copy.Dispose();
            }
            _past[name] = past;
        }
    }

    /// <summary>The positions of a row's cache that are its own (not padding).</summary>
    private int LengthOf(int row) => _cached - _pads[row];

    /// <summary>How long the prompt took to run (in Start): the time to the first token's logits.</summary>
    public TimeSpan PromptTime { get; private set; }

    public float[] Start(int rows)
    {
        _rows = rows;
        _pads = new int[rows];
        _logits = new float[rows * VocabSize];
        _sequences = Enumerable.Range(0, rows).Select(_ => new List<long>(_prompt)).ToArray();
        var started = Stopwatch.GetTimestamp();
        RunFromScratch();
        PromptTime = Stopwatch.GetElapsedTime(started);
        return _logits;
    }

    public float[]? TryNextSeveral(ReadOnlySpan<int> tokens) =>
        _rows == 1 && _useCache && _graph.TakesSeveralTokens(VocabSize) ? NextSeveral(tokens) : null;

    /// <summary><see cref="TryNextSeveral"/> without asking whether the graph can (the probe's own runs).</summary>
    internal float[] NextSeveral(ReadOnlySpan<int> tokens)
    {
        var ids = new long[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            ids[i] = tokens[i];
            _sequences[0].Add(tokens[i]);
        }
        var logits = new float[tokens.Length * VocabSize];
        RunStep(ids, tokens.Length, logits);
        _fedLast = tokens.Length;
        return logits;
    }

    public void KeepFed(int count)
    {
        var forget = _fedLast - count;
        if (forget <= 0)
            return;
        var trimmed = KeyValueCache.WithoutLastPositions(_graph.Cache, _past, _graph.PastNames, forget);
        _sequences[0].RemoveRange(_sequences[0].Count - forget, forget);
        _cached -= forget;
        ReleaseStep();
        foreach (var (name, value) in trimmed)
            _past[name] = Own(value);
        _fedLast = count;
    }

    public float[] Next(ReadOnlySpan<int> tokens)
    {
        _fedLast = 1;
        for (var row = 0; row < _rows; row++)
            _sequences[row].Add(tokens[row]);
        if (!_useCache)
        {
            RunFromScratch();
            return _logits;
        }
        var ids = new long[_rows];
        for (var row = 0; row < _rows; row++)
            ids[row] = tokens[row];
        RunStep(ids, newPositions: 1);
        return _logits;
    }

    public void Reorder(ReadOnlySpan<int> sources)
    {
        var from = _sequences;
        _sequences = new List<long>[_rows];
        var pads = _pads;
        _pads = new int[_rows];
        for (var row = 0; row < _rows; row++)
        {
            _sequences[row] = [.. from[sources[row]]];
            _pads[row] = pads[sources[row]];
        }
        if (!_useCache)
            return;
        var copies = new List<OrtValue>();
        foreach (var name in _graph.PastNames)
        {
            var copy = KeyValueCache.CopyRows(_graph.Cache, _past[name], _rows, sources);
            copies.Add(copy);
            _past[name] = copy;
        }
        ReleaseStep();
        _owned.AddRange(copies);
    }

    /// <summary>Every row's whole sequence with an empty cache: the prompt (first step), or every step without the cache.</summary>
    private void RunFromScratch()
    {
        ReleaseStep();
        _cached = 0;
        foreach (var name in _graph.PastNames)
            _past[name] = Own(EmptyPast());
        var length = _sequences[0].Count;
        var ids = new long[_rows * length];
        for (var row = 0; row < _rows; row++)
            _sequences[row].CopyTo(ids, row * length);
        RunStep(ids, length);
    }

    /// <summary>
    /// Runs the graph on <paramref name="newPositions"/> new tokens per row after the cached ones;
    /// keeps the new cache and the logits of the last position (of every position, for one row, in
    /// <paramref name="everyPosition"/>).
    /// </summary>
    private void RunStep(long[] ids, int newPositions, float[]? everyPosition = null)
    {
        var total = _cached + newPositions;
        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids, [_rows, newPositions]);
        var names = new List<string> { "input_ids" };
        var values = new List<OrtValue> { inputIds };
        using var mask = _graph.TakesAttentionMask ? OrtValue.CreateTensorValueFromMemory(AttentionMask(total), [_rows, total]) : null;
        if (mask is not null)
        {
            names.Add("attention_mask");
            values.Add(mask);
        }
        using var positions = _graph.TakesPositionIds ? OrtValue.CreateTensorValueFromMemory(PositionIds(newPositions), [_rows, newPositions]) : null;
        if (positions is not null)
        {
            names.Add("position_ids");
            values.Add(positions);
        }
        foreach (var name in _graph.PastNames)
        {
            names.Add(name);
            values.Add(_past[name]);
        }
        var outputs = _graph.Cache.Run(_graph.Session, _runOptions, names, values, _graph.StepOutputs);
        try
        {
            if (everyPosition is null)
                KeyValueCache.CopyLastLogits(outputs[0], _rows, VocabSize, _logits);
            else
                KeyValueCache.CopyAllLogits(outputs[0], everyPosition);
        }
        catch
        {
            outputs.Dispose();
            throw;
        }
        // This step's inputs (the previous cache) are not needed any more.
        ReleaseStep();
        _stepOutputs = outputs;
        for (var i = 1; i < _graph.StepOutputs.Count; i++)
            _past[DecoderOnlyGraph.PastNameOf(_graph.StepOutputs[i])] = outputs[i];
        _cached = total;
    }

    /// <summary>Each row's new tokens continue its own positions: the padding before them does not count.</summary>
    private long[] PositionIds(int newPositions)
    {
        var ids = new long[_rows * newPositions];
        for (var row = 0; row < _rows; row++)
        {
            for (var p = 0; p < newPositions; p++)
                ids[row * newPositions + p] = _cached - _pads[row] + p;
        }
        return ids;
    }

    /// <summary>1 for every position a row reads, 0 for its padding.</summary>
    private long[] AttentionMask(int total)
    {
        var mask = new long[_rows * total];
        for (var row = 0; row < _rows; row++)
            Array.Fill(mask, 1L, row * total + _pads[row], total - _pads[row]);
        return mask;
    }

    private OrtValue EmptyPast() => KeyValueCache.Empty(_graph.CacheType, [_rows, _graph.KeyValueHeads, 0, _graph.HeadSize]);

    private OrtValue Own(OrtValue value)
    {
        _owned.Add(value);
        return value;
    }

    private void ReleaseStep()
    {
        _stepOutputs?.Dispose();
        _stepOutputs = null;
        foreach (var value in _owned)
            value.Dispose();
        _owned.Clear();
    }

    public void Dispose()
    {
        ReleaseStep();
        _past.Clear();
        _runOptions.Dispose();
    }
}
