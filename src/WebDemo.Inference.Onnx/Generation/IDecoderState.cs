namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// One request's running model: it holds the key/value cache so that each step feeds only the
/// new tokens. Rows are the sequences decoded side by side (one, or one per beam). Encoder-decoder
/// and decoder-only models differ only in how they build a step's inputs, behind this interface.
/// Logits come back flat, row after row, <see cref="VocabSize"/> each.
/// </summary>
internal interface IDecoderState : IDisposable
{
    int VocabSize { get; }

    /// <summary>Logits for the first new token, the prompt or start token run once, for <paramref name="rows"/> identical rows.</summary>
    float[] Start(int rows);

    /// <summary>Feeds one new token per row; logits for the token after it.</summary>
    float[] Next(ReadOnlySpan<int> tokens);

    /// <summary>Beam search: row i continues from what row <c>sources[i]</c> held (the cache rows are copied accordingly).</summary>
    void Reorder(ReadOnlySpan<int> sources);
}
