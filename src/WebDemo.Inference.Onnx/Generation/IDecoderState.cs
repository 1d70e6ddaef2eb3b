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

    /// <summary>
    /// Speculative decoding (<see cref="PromptLookup"/>), one row: feeds the next token and guesses
    /// of the tokens after it in one run, and returns the logits after each of them, one block of
    /// <see cref="VocabSize"/> per fed token. Null when this state cannot now (several rows, no
    /// cache, steps shared with other requests, or a graph that cannot take several new tokens
    /// after a cache): the caller then feeds the token alone with <see cref="Next"/>.
    /// </summary>
    float[]? TryNextSeveral(ReadOnlySpan<int> tokens) => null;

    /// <summary>After <see cref="TryNextSeveral"/>: the cache keeps only the first <paramref name="count"/> tokens it fed (the guesses after them were wrong).</summary>
    void KeepFed(int count) => throw new NotSupportedException("This state does not feed several tokens at once.");
}
