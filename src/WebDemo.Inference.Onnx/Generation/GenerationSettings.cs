namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// How to choose the tokens of one generation, by the names and defaults of Hugging Face's
/// GenerationConfig (max_new_tokens, do_sample, top_k, ...). Validated by the task before it
/// gets here; the engine trusts it.
/// </summary>
internal sealed record GenerationSettings
{
    public int MaxNewTokens { get; init; } = 20;
    public int MinNewTokens { get; init; }
    public bool DoSample { get; init; }
    public double Temperature { get; init; } = 1.0;
    /// <summary>0 turns top-k filtering off.</summary>
    public int TopK { get; init; } = 50;
    public double TopP { get; init; } = 1.0;
    public double RepetitionPenalty { get; init; } = 1.0;
    public int NoRepeatNgramSize { get; init; }
    public int NumBeams { get; init; } = 1;
    public double LengthPenalty { get; init; } = 1.0;
    public bool EarlyStopping { get; init; }
    /// <summary>The sampling seed; none draws one, so runs differ.</summary>
    public int? Seed { get; init; }
    /// <summary>
    /// Whether decoding reuses the key/value cache (one new token per step, the default) or feeds
    /// the whole sequence every step without it: the same tokens, much slower; for verification
    /// and benchmarks, not offered on the pages.
    /// </summary>
    public bool UseCache { get; init; } = true;
}

/// <summary>The ids generation starts from and stops at.</summary>
/// <param name="StartId">The first decoder token (T5's decoder_start_token_id, pad).</param>
/// <param name="EosIds">Any of these ends a sequence.</param>
internal sealed record GenerationTokens(int StartId, IReadOnlySet<int> EosIds);
