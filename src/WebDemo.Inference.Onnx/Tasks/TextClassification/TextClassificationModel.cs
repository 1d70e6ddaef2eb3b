using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Batching;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Onnx.Tasks.TextClassification;

/// <summary>
/// A sequence classifier (BERT family) on ONNX Runtime: tokenize, pad per batch, run, and turn
/// logits into label scores the way the transformers pipeline does (softmax, or sigmoid for one
/// label or multi-label models). One instance per model, shared by concurrent requests:
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/> is thread-safe.
/// </summary>
internal sealed class TextClassificationModel : ILocalModel
{
    private readonly InferenceSession _session;
    private readonly WordPieceTextEncoder _encoder;
    private readonly ClassifierConfig _config;
    private readonly bool _needsTokenTypes;
    private readonly string _outputName;
    private readonly MicroBatcher<EncodedText, float[]> _batcher;

    private TextClassificationModel(ModelSnapshot snapshot, InferenceSession session, WordPieceTextEncoder encoder, ClassifierConfig config,
        MicroBatcherOptions batching)
    {
        _batcher = new MicroBatcher<EncodedText, float[]>(Run, batching);
        Snapshot = snapshot;
        _session = session;
        _encoder = encoder;
        _config = config;
        _needsTokenTypes = session.InputMetadata.ContainsKey("token_type_ids");
        _outputName = session.OutputMetadata.ContainsKey("logits") ? "logits" : session.OutputMetadata.Keys.First();
    }

    public ModelSnapshot Snapshot { get; }

    public int MaxTokens => _encoder.MaxLength;

    public IReadOnlyList<string> Labels => _config.Labels;

    public static IReadOnlyList<ModelFile> FilesFor(string onnxFile) =>
        [new("config.json"), .. WordPieceTextEncoder.Files, new(onnxFile)];

    public static TextClassificationModel Load(ModelSnapshot snapshot, string onnxFile, OnnxSessionFactory sessions, MicroBatcherOptions batching)
    {
        var config = ClassifierConfig.Load(snapshot);
        var encoder = WordPieceTextEncoder.Load(snapshot, config.MaxPositions);
        return new TextClassificationModel(snapshot, sessions.Create(snapshot, onnxFile), encoder, config, batching);
    }

    /// <summary>
    /// Classifies one request's texts through the shared micro-batcher: the texts join the texts
    /// of concurrent requests, grouped by length, and each result is yielded as soon as its batch
    /// is done, so results come in completion order (short texts usually first), each carrying
    /// its <see cref="ClassifiedText.Index"/> in the request.
    /// </summary>
    public IAsyncEnumerable<ClassifiedText> ClassifyAsync(IReadOnlyList<string> texts, int? topK, CancellationToken cancellationToken = default) =>
        ClassifyAsync(texts, topK, _batcher, cancellationToken);

    /// <summary>A batcher of this model's runs with other settings than the app's (the benchmark compares them).</summary>
    internal MicroBatcher<EncodedText, float[]> CreateBatcher(MicroBatcherOptions options) => new(Run, options);

    internal async IAsyncEnumerable<ClassifiedText> ClassifyAsync(IReadOnlyList<string> texts, int? topK, MicroBatcher<EncodedText, float[]> batcher,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0)
            yield break;
        var encoded = texts.Select(_encoder.Encode).ToArray();
        // Whatever ends this stream early (cancellation, an error, a consumer that stops reading)
        // takes this request's texts that have not run yet out of the queue.
        using var end = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = batcher.EnqueueMany(encoded.Select(e => (e, e.Ids.Length)).ToList(), end.Token);
        var positions = pending.Select((task, i) => (task, i)).ToDictionary(p => p.task, p => p.i);
        try
        {
            await foreach (var done in Task.WhenEach(pending).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var i = positions[done];
                yield return Result(i, texts[i], encoded[i], await done.ConfigureAwait(false), topK);
            }
        }
        finally
        {
            await end.CancelAsync().ConfigureAwait(false);
        }
    }

    internal EncodedText Encode(string text) => _encoder.Encode(text);

    /// <summary>Runs the texts as one batch, in the order given, padded to the longest (no micro-batcher).</summary>
    /// <param name="firstIndex">The index of <paramref name="texts"/>[0] in the whole request.</param>
    public IReadOnlyList<ClassifiedText> Classify(IReadOnlyList<string> texts, int firstIndex, int? topK)
    {
        if (texts.Count == 0)
            return [];
        var encoded = texts.Select(_encoder.Encode).ToArray();
        var logits = Run(encoded);
        return encoded.Select((e, row) => Result(firstIndex + row, texts[row], e, logits[row], topK)).ToList();
    }

    /// <summary>One model run over encoded texts padded to the longest of them: one row of logits per text.</summary>
    internal float[][] Run(IReadOnlyList<EncodedText> encoded)
    {
        var batch = encoded.Count;
        var length = encoded.Max(e => e.Ids.Length); // padded per batch, not to the model maximum

        var ids = new long[batch * length];
        var mask = new long[batch * length];
        if (_encoder.PaddingId != 0)
            Array.Fill(ids, _encoder.PaddingId);
        for (var row = 0; row < batch; row++)
        {
            var rowIds = encoded[row].Ids;
            for (var col = 0; col < rowIds.Length; col++)
            {
                ids[row * length + col] = rowIds[col];
                mask[row * length + col] = 1;
            }
        }

        long[] shape = [batch, length];
        var names = new List<string> { "input_ids", "attention_mask" };
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = _needsTokenTypes ? OrtValue.CreateTensorValueFromMemory(new long[batch * length], shape) : null;
        var values = new List<OrtValue> { idsValue, maskValue };
        if (typesValue is not null)
        {
            names.Add("token_type_ids");
            values.Add(typesValue);
        }

        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, names, values, [_outputName]);
        var logits = FloatOutputs.ToFloats(outputs[0]).AsSpan(); // float16 for fp16 exports
        var labelCount = _config.Labels.Count;
        if (logits.Length != batch * labelCount)
            throw new InferenceException(InferenceErrorKind.BackendFailed,
                $"The model returned {logits.Length} values for {batch} texts and {labelCount} labels; config.json and the ONNX file do not match.");
        var rows = new float[batch][];
        for (var row = 0; row < batch; row++)
            rows[row] = logits.Slice(row * labelCount, labelCount).ToArray();
        return rows;
    }

    private ClassifiedText Result(int index, string text, EncodedText encoded, float[] logits, int? topK)
    {
        var scores = Scores(logits);
        var labels = scores
            .Select((score, i) => new LabelScore(_config.Labels[i], score))
            .OrderByDescending(l => l.Score)
            .Take(topK ?? scores.Length)
            .ToList();
        return new ClassifiedText(index, text, labels, encoded.Truncated, encoded.Ids.Length);
    }

    // As the transformers pipeline's default function_to_apply.
    private double[] Scores(float[] logits)
    {
        var sigmoid = logits.Length == 1 || _config.ProblemType == "multi_label_classification";
        var scores = new double[logits.Length];
        if (sigmoid)
        {
            for (var i = 0; i < logits.Length; i++)
                scores[i] = 1.0 / (1.0 + Math.Exp(-logits[i]));
            return scores;
        }
        var max = double.NegativeInfinity;
        foreach (var logit in logits)
            max = Math.Max(max, logit);
        var sum = 0.0;
        for (var i = 0; i < logits.Length; i++)
            sum += scores[i] = Math.Exp(logits[i] - max);
        for (var i = 0; i < scores.Length; i++)
            scores[i] /= sum;
        return scores;
    }

    public void Dispose()
    {
        _batcher.Dispose();
        _session.Dispose();
    }
}
