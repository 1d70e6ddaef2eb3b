using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using WebDemo.Inference.Onnx.Runtime;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// The ONNX graphs of an encoder-decoder model (T5, BART) as Optimum exports them: the encoder,
/// and the decoder either merged into one graph (a <c>use_cache_branch</c> input chooses the
/// first step or a cached one) or split into <c>decoder_model</c> and <c>decoder_with_past_model</c>.
/// Sessions are shared by every request; each request's cache lives in its own <see cref="EncoderDecoderState"/>.
/// </summary>
/// <param name="cache">Where the decoder's key/value cache stays between steps (the GPU on CUDA); host memory when null.</param>
internal sealed class EncoderDecoderGraphs(InferenceSession encoder, InferenceSession decoder, InferenceSession? decoderWithPast, CacheLocation? cache = null)
{
    /// <summary>Where the present.* outputs (and the encoder's output, for one row) are kept for the next step.</summary>
    public CacheLocation Cache { get; } = cache ?? CacheLocation.Host;

    public InferenceSession Encoder => encoder;
    /// <summary>The merged decoder, or the first-step decoder of the split layout.</summary>
    public InferenceSession Decoder => decoder;
    /// <summary>The split layout's cached decoder; null when <see cref="Decoder"/> is merged.</summary>
    public InferenceSession? DecoderWithPast => decoderWithPast;

    public bool IsMerged => decoderWithPast is null;

    /// <summary>The past inputs' names in graph order: past_key_values.{layer}.{decoder|encoder}.{key|value}.</summary>
    public IReadOnlyList<string> PastNames { get; } = (decoderWithPast ?? decoder).InputMetadata.Keys
        .Where(n => n.StartsWith("past_key_values.", StringComparison.Ordinal)).ToList();

    /// <summary>The outputs a step without past is asked for: logits, then every present.* (the whole cache).</summary>
    public IReadOnlyList<string> FirstStepOutputs { get; } =
        ["logits", .. decoder.OutputMetadata.Keys.Where(n => n.StartsWith("present.", StringComparison.Ordinal))];

    /// <summary>The outputs a cached step is asked for: logits, then the self-attention present.* only.</summary>
    public IReadOnlyList<string> CachedStepOutputs { get; } =
        ["logits", .. (decoderWithPast ?? decoder).OutputMetadata.Keys.Where(n => n.StartsWith("present.", StringComparison.Ordinal) && IsSelfAttention(n))];

    /// <summary>The outputs a step without the cache is asked for.</summary>
    public static IReadOnlyList<string> LogitsOnly { get; } = ["logits"];

    /// <summary>Whether a past_key_values.* or present.* name is the decoder's self-attention cache (not the cross-attention one).</summary>
    public static bool IsSelfAttention(string name) => name.Contains(".decoder.", StringComparison.Ordinal);

    /// <summary>The past_key_values.* input a present.* output feeds.</summary>
    public static string PastNameOf(string presentName) => "past_key_values." + presentName["present.".Length..];

    /// <summary>Heads and size per head of the cache, read from the graph's fixed dimensions.</summary>
    public (int Heads, int HeadSize) CacheShape
    {
        get
        {
            var dims = (decoderWithPast ?? decoder).InputMetadata[PastNames[0]].Dimensions;
            return (dims[1], dims[3]);
        }
    }

    /// <summary>float32, or float16 for fp16 exports.</summary>
    public TensorElementType CacheType => (decoderWithPast ?? decoder).InputMetadata[PastNames[0]].ElementDataType;

    /// <summary>
    /// Whether the cached decoder reads several new tokens as it reads them one at a time, so that
    /// guesses can be checked in one run (<see cref="PromptLookup"/>). Optimum traces the decoder with
    /// past on one new token, and its split <c>decoder_with_past_model</c> declares that length; in a
    /// merged graph the length may be fixed inside. Checked once, by running three tokens both ways.
    /// </summary>
    public bool TakesSeveralTokens(int startId, int vocabSize) => _severalTokens.Get(
        () => new EncoderDecoderState(this, [2 % vocabSize, 3 % vocabSize, 1 % vocabSize], startId, vocabSize),
        (state, tokens) => ((EncoderDecoderState)state).NextSeveral(tokens),
        CacheType);

    private readonly SeveralTokensProbe _severalTokens = new();
}

/// <summary>
/// One request's run of an encoder-decoder model: the encoder runs once, then each decoder step
/// feeds one token per row and the key/value cache, which grows by one position a step
/// (self-attention) or stays as the first step made it (cross-attention). The cache never leaves
/// ONNX Runtime: a step's <c>present.*</c> outputs are fed as the next step's <c>past_key_values.*</c>
/// as they are, and are copied only when beam search reorders the rows.
/// <para>
/// Without the cache (<c>useCache: false</c>, for verification and benchmarks), every step feeds
/// the whole decoder sequence with no past (the merged graph's <c>use_cache_branch</c> false with
/// empty pasts, or <c>decoder_model</c> alone) and takes the last position's logits: the same
/// tokens, with work growing with the square of the length.
/// </para>
/// </summary>
internal sealed class EncoderDecoderState : IDecoderState
{
    // use_cache_branch values; ONNX Runtime only reads them.
    private static readonly bool[] FirstStep = [false];
    private static readonly bool[] CachedStep = [true];
    private static readonly long[] ScalarShape = [1];

    private readonly EncoderDecoderGraphs _graphs;
    private readonly long[][] _inputs; // one input, or one per row (a batch of requests)
    private readonly int _startId;
    private readonly bool _useCache;
    private readonly RunOptions _runOptions = new();
    private int _rows;
    private float[] _logits = [];

    // Inputs that stay the same for every step of the request, made by Start.
    private readonly List<OrtValue> _fixed = [];
    private OrtValue? _encoderMask;
    private OrtValue? _encoderStates;
    private IDisposableReadOnlyCollection<OrtValue>? _encoderOutputs; // holds _encoderStates when they came as the encoder's output
    private readonly Dictionary<string, OrtValue> _emptyPasts = new(StringComparer.Ordinal);

    // With the cache: the first step's outputs hold the cross-attention keys/values for the whole
    // request; the last step's outputs (or the copies Reorder and KeepFed made) hold the self-attention cache.
    private IDisposableReadOnlyCollection<OrtValue>? _firstOutputs;
    private IDisposableReadOnlyCollection<OrtValue>? _stepOutputs;
    private readonly List<OrtValue> _copied = [];
    private int _fedLast; // tokens the last cached step fed (KeepFed)
    private readonly Dictionary<string, OrtValue> _past = new(StringComparer.Ordinal);

    // Without the cache: each row's decoder sequence so far.
    private List<long>[] _sequences = [];

    public EncoderDecoderState(EncoderDecoderGraphs graphs, IReadOnlyList<int> inputIds, int startId, int vocabSize, bool useCache = true)
        : this(graphs, [inputIds], startId, vocabSize, useCache)
    {
    }

    /// <summary>
    /// Several requests' inputs as the rows of one run (<see cref="EncoderDecoderBatcher"/>): the
    /// encoder reads them padded to the longest, and the padding is masked out of cross-attention.
    /// <see cref="Start"/> then takes one row per input.
    /// </summary>
    public EncoderDecoderState(EncoderDecoderGraphs graphs, IReadOnlyList<IReadOnlyList<int>> inputs, int startId, int vocabSize, bool useCache = true)
    {
        if (inputs.Count == 0 || inputs.Any(i => i.Count == 0))
            throw new ArgumentException("Every input needs at least one token.", nameof(inputs));
        _graphs = graphs;
        _inputs = [.. inputs.Select(i => i.Select(id => (long)id).ToArray())];
        _startId = startId;
        _useCache = useCache;
        VocabSize = vocabSize;
    }

    public int VocabSize { get; }

    /// <summary>Whether steps feed the key/value cache (one token per row) or the whole sequence.</summary>
    public bool UseCache => _useCache;

    /// <summary>How long the encoder took (in Start).</summary>
    public TimeSpan EncoderTime { get; private set; }

    /// <summary>The encoder's length: the longest input's.</summary>
    private int SourceLength => _inputs.Max(i => i.Length);

    public float[] Start(int rows)
    {
        if (_inputs.Length > 1 && rows != _inputs.Length)
            throw new ArgumentOutOfRangeException(nameof(rows), "A batch of inputs has one row per input (no beam search).");
        _rows = rows;
        _logits = new float[rows * VocabSize];
        var started = Stopwatch.GetTimestamp();
        RunEncoder();
        EncoderTime = Stopwatch.GetElapsedTime(started);
        _encoderMask = Fixed(OrtValue.CreateTensorValueFromMemory(EncoderMask(rows), [rows, SourceLength]));
        _sequences = Enumerable.Range(0, rows).Select(_ => new List<long> { _startId }).ToArray();
        return RunWholeSequence(keepCache: _useCache);
    }

    public float[] Next(ReadOnlySpan<int> tokens)
    {
        if (!_useCache)
        {
            for (var row = 0; row < _rows; row++)
                _sequences[row].Add(tokens[row]);
            return RunWholeSequence(keepCache: false);
        }

        var ids = new long[_rows];
        for (var row = 0; row < _rows; row++)
            ids[row] = tokens[row];
        RunCached(ids, newPositions: 1);
        return _logits;
    }

    public float[]? TryNextSeveral(ReadOnlySpan<int> tokens) =>
        _rows == 1 && _useCache && _graphs.TakesSeveralTokens(_startId, VocabSize) ? NextSeveral(tokens) : null;

    /// <summary><see cref="TryNextSeveral"/> without asking whether the graph can (the probe's own runs).</summary>
    internal float[] NextSeveral(ReadOnlySpan<int> tokens)
    {
        var ids = new long[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
            ids[i] = tokens[i];
        var logits = new float[tokens.Length * VocabSize];
        RunCached(ids, tokens.Length, logits);
        return logits;
    }

    public void KeepFed(int count)
    {
        var forget = _fedLast - count;
        if (forget <= 0)
            return;
        var trimmed = KeyValueCache.WithoutLastPositions(_graphs.Cache, _past, _graphs.PastNames.Where(EncoderDecoderGraphs.IsSelfAttention), forget);
        ReleaseStepCache();
        foreach (var (name, value) in trimmed)
        {
            _past[name] = value;
            _copied.Add(value);
        }
        _fedLast = count;
    }

    /// <summary>
    /// A cached step: <paramref name="newPositions"/> new tokens per row after the cache. Keeps the
    /// new self-attention cache and the last position's logits (every position's, for one row, in
    /// <paramref name="everyPosition"/>).
    /// </summary>
    private void RunCached(long[] ids, int newPositions, float[]? everyPosition = null)
    {
        var session = _graphs.DecoderWithPast ?? _graphs.Decoder;
        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids, [_rows, newPositions]);
        var inputs = new Dictionary<string, OrtValue>(_past, StringComparer.Ordinal)
        {
            ["input_ids"] = inputIds,
            ["encoder_attention_mask"] = _encoderMask!,
            ["encoder_hidden_states"] = _encoderStates!,
        };
        if (_graphs.IsMerged)
            inputs["use_cache_branch"] = CachedBranch;
        // A cached step's cross-attention outputs are empty (merged) or absent (split): only the self-attention cache is asked for.
        var outputNames = _graphs.CachedStepOutputs;
        var outputs = Run(session, inputs, outputNames, everyPosition);
        // The previous step's cache was this step's input; it is not needed any more.
        ReleaseStepCache();
        _stepOutputs = outputs;
        KeepPresents(outputNames, outputs, decoderOnly: true);
        _fedLast = newPositions;
    }

    public void Reorder(ReadOnlySpan<int> sources)
    {
        // Beams share one input: with a row per input the cross-attention rows differ and would have to follow too.
        if (_inputs.Length > 1)
            throw new NotSupportedException("A batch of inputs has one row per input (no beam search).");
        if (!_useCache)
        {
            var from = _sequences;
            _sequences = new List<long>[_rows];
            for (var row = 0; row < _rows; row++)
                _sequences[row] = [.. from[sources[row]]];
            return;
        }

        // Only the self-attention cache differs between rows: every row has the same encoder
        // output, so the cross-attention keys/values are the same in each row and stay as they are.
        var copies = new List<OrtValue>();
        foreach (var name in _graphs.PastNames)
        {
            if (!EncoderDecoderGraphs.IsSelfAttention(name))
                continue;
            var copy = KeyValueCache.CopyRows(_graphs.Cache, _past[name], _rows, sources);
            copies.Add(copy);
            _past[name] = copy;
        }
        ReleaseStepCache();
        _copied.AddRange(copies);
    }

    private OrtValue CachedBranch => _cachedBranch ??= Fixed(OrtValue.CreateTensorValueFromMemory(CachedStep, ScalarShape));
    private OrtValue? _cachedBranch;

    private OrtValue Fixed(OrtValue value)
    {
        _fixed.Add(value);
        return value;
    }

    /// <summary>1 for each row's own input positions, 0 for the padding after a shorter input ([rows, source length]).</summary>
    private long[] EncoderMask(int rows)
    {
        var length = SourceLength;
        var mask = new long[rows * length];
        for (var row = 0; row < rows; row++)
            Array.Fill(mask, 1L, row * length, _inputs[_inputs.Length == 1 ? 0 : row].Length);
        return mask;
    }

    private void RunEncoder()
    {
        var (count, length) = (_inputs.Length, SourceLength);
        var padded = new long[count * length]; // padding ids are 0 (T5's pad), masked out
        for (var row = 0; row < count; row++)
            _inputs[row].CopyTo(padded, row * length);
        using var ids = OrtValue.CreateTensorValueFromMemory(padded, [count, length]);
        using var mask = OrtValue.CreateTensorValueFromMemory(EncoderMask(count), [count, length]);
        string[] names = ["input_ids", "attention_mask"], outputNames = ["last_hidden_state"];
        if (_rows == count)
        {
            // Every decoder step reads it: with a row per input it stays where the cache is (the GPU on CUDA), as it came.
            _encoderOutputs = _graphs.Cache.Run(_graphs.Encoder, _runOptions, names, [ids, mask], outputNames, hostOutputs: 0);
            _encoderStates = _encoderOutputs[0];
            return;
        }
        // The same encoding for every row (beam), in host memory.
        using var outputs = _graphs.Encoder.Run(_runOptions, names, [ids, mask], outputNames);
        _encoderStates = Fixed(KeyValueCache.Tile(outputs[0], _rows));
    }

    /// <summary>
    /// A step without past: the decoder (the merged graph's first-step branch, or decoder_model)
    /// reads every row's whole sequence. With <paramref name="keepCache"/> (the first step of a
    /// cached run) its outputs become the cache.
    /// </summary>
    private float[] RunWholeSequence(bool keepCache)
    {
        var length = _sequences[0].Count;
        var ids = new long[_rows * length];
        for (var row = 0; row < _rows; row++)
            _sequences[row].CopyTo(ids, row * length);
        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids, [_rows, length]);
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal)
        {
            ["input_ids"] = inputIds,
            ["encoder_attention_mask"] = _encoderMask!,
            ["encoder_hidden_states"] = _encoderStates!,
        };
        if (_graphs.IsMerged)
        {
            // The merged graph's first-step branch takes empty pasts and use_cache_branch = false.
            if (_emptyPasts.Count == 0)
            {
                var (heads, headSize) = _graphs.CacheShape;
                foreach (var name in _graphs.PastNames)
                    _emptyPasts[name] = Fixed(KeyValueCache.Empty(_graphs.CacheType, [_rows, heads, 0, headSize]));
                _emptyPasts["use_cache_branch"] = Fixed(OrtValue.CreateTensorValueFromMemory(FirstStep, ScalarShape));
            }
            foreach (var (name, value) in _emptyPasts)
                inputs[name] = value;
        }
        if (!keepCache)
        {
            using var logitsOnly = Run(_graphs.Decoder, inputs, EncoderDecoderGraphs.LogitsOnly);
            return _logits;
        }
        var outputNames = _graphs.FirstStepOutputs;
        _firstOutputs = Run(_graphs.Decoder, inputs, outputNames);
        KeepPresents(outputNames, _firstOutputs, decoderOnly: false);
        return _logits;
    }

    /// <summary>Runs a decoder step and copies the last position's logits of each row into <see cref="_logits"/> (or every position's into <paramref name="everyPosition"/>).</summary>
    private IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, Dictionary<string, OrtValue> inputs, IReadOnlyList<string> outputNames,
        float[]? everyPosition = null)
    {
        var names = new List<string>(inputs.Count);
        var values = new List<OrtValue>(inputs.Count);
        foreach (var (name, value) in inputs)
        {
            if (session.InputMetadata.ContainsKey(name))
            {
                names.Add(name);
                values.Add(value);
            }
        }
        var outputs = _graphs.Cache.Run(session, _runOptions, names, values, outputNames);
        try
        {
            // logits is the first output asked for: [rows, positions, vocab].
            if (everyPosition is null)
                KeyValueCache.CopyLastLogits(outputs[0], _rows, VocabSize, _logits);
            else
                KeyValueCache.CopyAllLogits(outputs[0], everyPosition);
            return outputs;
        }
        catch
        {
            outputs.Dispose();
            throw;
        }
    }

    /// <summary>Makes a step's present.* outputs the next step's past_key_values.* inputs, without copying them.</summary>
    private void KeepPresents(IReadOnlyList<string> outputNames, IDisposableReadOnlyCollection<OrtValue> outputs, bool decoderOnly)
    {
        for (var i = 1; i < outputNames.Count; i++)
        {
            var pastName = EncoderDecoderGraphs.PastNameOf(outputNames[i]);
            if (decoderOnly && !EncoderDecoderGraphs.IsSelfAttention(pastName))
                continue;
            _past[pastName] = outputs[i];
        }
    }

    /// <summary>Frees the self-attention cache of the previous step (the first step's outputs stay: they hold the cross-attention cache).</summary>
    private void ReleaseStepCache()
    {
        _stepOutputs?.Dispose();
        _stepOutputs = null;
        foreach (var value in _copied)
            value.Dispose();
        _copied.Clear();
    }

    public void Dispose()
    {
        ReleaseStepCache();
        _past.Clear();
        _firstOutputs?.Dispose();
        _firstOutputs = null;
        _encoderOutputs?.Dispose();
        _encoderOutputs = null;
        foreach (var value in _fixed)
            value.Dispose();
        _fixed.Clear();
        _runOptions.Dispose();
    }
}
