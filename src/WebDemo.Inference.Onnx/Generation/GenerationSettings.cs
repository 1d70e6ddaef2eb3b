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

    /// <summary>
    /// Greedy decoding guesses up to this many tokens ahead by prompt lookup and checks them in one
    /// run (<see cref="PromptLookup"/>): the same tokens, fewer runs where the text repeats. 0 is off;
    /// sampling and beam search never guess.
    /// </summary>
    public int PromptLookupTokens { get; init; }

    /// <summary>OpenAI's presence_penalty: subtracted once from the score of every token already generated (0 is off).</summary>
    public double PresencePenalty { get; init; }

    /// <summary>OpenAI's frequency_penalty: subtracted from a token's score once per time it was generated (0 is off).</summary>
    public double FrequencyPenalty { get; init; }
}

/// <summary>The ids generation starts from and stops at.</summary>
/// <param name="StartId">The first decoder token of an encoder-decoder (T5's decoder_start_token_id, pad).</param>
/// <param name="EosIds">Any of these ends a sequence.</param>
/// <param name="Prompt">A decoder-only model's prompt ids; null for an encoder-decoder, whose decoder starts from <paramref name="StartId"/>.</param>
/// <param name="EncoderInput">An encoder-decoder's input ids, where <see cref="PromptLookup"/> looks for what comes next.</param>
internal sealed record GenerationTokens(int StartId, IReadOnlySet<int> EosIds, IReadOnlyList<int>? Prompt = null, IReadOnlyList<int>? EncoderInput = null)
{
    /// <summary>What prompt lookup searches besides the sequence itself (which holds a decoder-only model's prompt).</summary>
    public IReadOnlyList<int> Source => EncoderInput ?? [];

    /// <summary>
    /// What the logits processors see before the first new token, as transformers' generate() does:
    /// the whole prompt for a decoder-only model (a repetition penalty counts the prompt's tokens too),
    /// the start token for an encoder-decoder.
    /// </summary>
    public IReadOnlyList<int> Prefix => Prompt ?? [StartId];
}
