namespace WebDemo.Inference.Tasks.Generation;

/// <summary>How many tokens a model reads of an input (task prefix and end-of-sequence included), against the most it reads.</summary>
public sealed record InputTokenCount(int Tokens, int Limit)
{
    /// <summary>The text is longer than the model reads: it will be cut.</summary>
    public bool OverLimit => Tokens > Limit;
}

/// <summary>
/// Counts the tokens a local model would read for a call, with that model's own tokenizer and the
/// prefix it puts before the text. It never downloads or loads a model just to count: while the
/// call's model is not loaded yet, there is no count.
/// </summary>
public interface IInputTokenCounter<in TCall>
{
    /// <returns>The count, or null when the call's model is not a local model already loaded here.</returns>
    InputTokenCount? TryCount(TCall call);
}
