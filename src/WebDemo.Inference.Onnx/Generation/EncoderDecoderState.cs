using Microsoft.ML.OnnxRuntime;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// The ONNX graphs of an encoder-decoder model (T5, BART) as Optimum exports them: the encoder,
/// and the decoder either merged into one graph (a <c>use_cache_branch</c> input chooses the
/// first step or a cached one) or split into <c>decoder_model</c> and <c>decoder_with_past_model</c>.
/// Sessions are shared by every request; each request's cache lives in its own <see cref="EncoderDecoderState"/>.
/// </summary>
internal sealed class EncoderDecoderGraphs(InferenceSession encoder, InferenceSession decoder, InferenceSession? decoderWithPast)
{
    public InferenceSession Encoder => encoder;
    /// <summary>The merged decoder, or the first-step decoder of the split layout.</summary>
    public InferenceSession Decoder => decoder;
    /// <summary>The split layout's cached decoder; null when <see cref="Decoder"/> is merged.</summary>
    public InferenceSession? DecoderWithPast => decoderWithPast;

    public bool IsMerged => decoderWithPast is null;

    /// <summary>The past inputs' names in graph order: past_key_values.{layer}.{decoder|encoder}.{key|value}.</summary>
    public IReadOnlyList<string> PastNames { get; } = (decoderWithPast ?? decoder).InputMetadata.Keys
        .Where(n => n.StartsWith("past_key_values.", StringComparison.Ordinal)).ToList();

    /// <summary>Heads and size per head of the cache, read from the graph's fixed dimensions.</summary>
    public (int Heads, int HeadSize) CacheShape
    {
        get
        {
            var dims = (decoderWithPast ?? decoder).InputMetadata[PastNames[0]].Dimensions;
            return (dims[1], dims[3]);
        }
    }
}

/// <summary>
/// One request's run of an encoder-decoder model: the encoder runs once, then each decoder step
/// feeds one token per row and the key/value cache, which grows by one position a step
/// (self-attention) or stays as the first step made it (cross-attention).
/// </summary>
internal sealed class EncoderDecoderState : IDecoderState
{
    // use_cache_branch values; ONNX Runtime only reads them.
    private static readonly bool[] FirstStep = [false];
    private static readonly bool[] CachedStep = [true];
    private static readonly long[] ScalarShape = [1];

    private readonly EncoderDecoderGraphs _graphs;
    private readonly long[] _inputIds;
    private readonly int _startId;
    private float[] _encoderStates = [];
    private int _hidden;
    private int _rows;
    // The cache by input name, each [rows, heads, length, headSize], row-major.
    private readonly Dictionary<string, (float[] Data, int Length)> _past = new(StringComparer.Ordinal);

    public EncoderDecoderState(EncoderDecoderGraphs graphs, IReadOnlyList<int> inputIds, int startId, int vocabSize)
    {
        _graphs = graphs;
        _inputIds = inputIds.Select(i => (long)i).ToArray();
        _startId = startId;
        VocabSize = vocabSize;
    }

    public int VocabSize { get; }

    private int SourceLength => _inputIds.Length;

    public float[] Start(int rows)
    {
        _rows = rows;
        RunEncoder();
        var (heads, headSize) = _graphs.CacheShape;
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        try
        {
            AddCommonInputs(inputs, Enumerable.Repeat(_startId, rows).ToArray(), _graphs.Decoder);
            if (_graphs.IsMerged)
            {
                // The first step of a merged graph takes empty pasts and use_cache_branch = false.
                foreach (var name in _graphs.PastNames)
                    inputs[name] = OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [rows, heads, 0, headSize]);
                inputs["use_cache_branch"] = OrtValue.CreateTensorValueFromMemory(FirstStep, ScalarShape);
            }
            return Run(_graphs.Decoder, inputs, keepEncoderPast: true);
        }
        finally
        {
            foreach (var value in inputs.Values)
                value.Dispose();
        }
    }

    public float[] Next(ReadOnlySpan<int> tokens)
    {
        var session = _graphs.DecoderWithPast ?? _graphs.Decoder;
        var (heads, headSize) = _graphs.CacheShape;
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        try
        {
            AddCommonInputs(inputs, tokens.ToArray(), session);
            foreach (var name in _graphs.PastNames)
            {
                var (data, length) = _past[name];
                inputs[name] = OrtValue.CreateTensorValueFromMemory(data, [_rows, heads, length, headSize]);
            }
            if (_graphs.IsMerged)
                inputs["use_cache_branch"] = OrtValue.CreateTensorValueFromMemory(CachedStep, ScalarShape);
            return Run(session, inputs, keepEncoderPast: false);
        }
        finally
        {
            foreach (var value in inputs.Values)
                value.Dispose();
        }
    }

    public void Reorder(ReadOnlySpan<int> sources)
    {
        var (heads, headSize) = _graphs.CacheShape;
        foreach (var name in _past.Keys.ToList())
        {
            var (data, length) = _past[name];
            var rowSize = heads * length * headSize;
            var reordered = new float[data.Length];
            for (var row = 0; row < sources.Length; row++)
                Array.Copy(data, sources[row] * rowSize, reordered, row * rowSize, rowSize);
            _past[name] = (reordered, length);
        }
    }

    private void RunEncoder()
    {
        using var ids = OrtValue.CreateTensorValueFromMemory(_inputIds, [1, SourceLength]);
        using var mask = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, SourceLength).ToArray(), [1, SourceLength]);
        using var runOptions = new RunOptions();
        using var outputs = _graphs.Encoder.Run(runOptions, ["input_ids", "attention_mask"], [ids, mask], ["last_hidden_state"]);
        var states = outputs[0].GetTensorDataAsSpan<float>();
        _hidden = (int)outputs[0].GetTensorTypeAndShape().Shape[2];
        // The same encoding for every row (beam).
        _encoderStates = new float[_rows * states.Length];
        for (var row = 0; row < _rows; row++)
            states.CopyTo(_encoderStates.AsSpan(row * states.Length));
    }

    private void AddCommonInputs(Dictionary<string, OrtValue> inputs, int[] tokens, InferenceSession session)
    {
        inputs["input_ids"] = OrtValue.CreateTensorValueFromMemory(tokens.Select(t => (long)t).ToArray(), [_rows, 1]);
        inputs["encoder_attention_mask"] = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, _rows * SourceLength).ToArray(), [_rows, SourceLength]);
        if (session.InputMetadata.ContainsKey("encoder_hidden_states"))
            inputs["encoder_hidden_states"] = OrtValue.CreateTensorValueFromMemory(_encoderStates, [_rows, SourceLength, _hidden]);
    }

    /// <summary>Runs a decoder step, keeps its new cache, and returns the logits of the last position per row.</summary>
    private float[] Run(InferenceSession session, Dictionary<string, OrtValue> inputs, bool keepEncoderPast)
    {
        var names = inputs.Keys.Where(session.InputMetadata.ContainsKey).ToList();
        var outputNames = session.OutputMetadata.Keys.ToList();
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, names, names.Select(n => inputs[n]).ToList(), outputNames);
        float[]? logits = null;
        for (var i = 0; i < outputNames.Count; i++)
        {
            var name = outputNames[i];
            var shape = outputs[i].GetTensorTypeAndShape().Shape;
            if (name == "logits")
            {
                // [rows, positions, vocab]: the last position of each row.
                var positions = (int)shape[1];
                var all = outputs[i].GetTensorDataAsSpan<float>();
                logits = new float[_rows * VocabSize];
                for (var row = 0; row < _rows; row++)
                    all.Slice((row * positions + positions - 1) * VocabSize, VocabSize).CopyTo(logits.AsSpan(row * VocabSize));
                continue;
            }
            if (!name.StartsWith("present.", StringComparison.Ordinal))
                continue;
            var pastName = "past_key_values." + name["present.".Length..];
            // Cross-attention keys and values are made once, by the first step; later steps may echo or omit them.
            if (pastName.Contains(".encoder.", StringComparison.Ordinal) && !keepEncoderPast)
                continue;
            _past[pastName] = (outputs[i].GetTensorDataAsSpan<float>().ToArray(), (int)shape[2]);
        }
        return logits ?? throw new InvalidOperationException("The decoder has no 'logits' output.");
    }

    public void Dispose() => _past.Clear();
}
