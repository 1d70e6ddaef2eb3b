namespace WebDemo.Inference.Tasks.Generation;

/// <summary>
/// The Hugging Face Inference API body of summarization and translation:
/// <c>{"inputs": "text", "parameters": {"generate_parameters": {...}, "src_lang", "tgt_lang"}}</c>.
/// The generation parameters may also stand directly in "parameters", as the transformers
/// pipelines (and hf-inference) take them; "generate_parameters" wins where both set one.
/// </summary>
public sealed record TextToTextInput(string? Inputs, TextToTextParameters? Parameters = null);

public sealed record TextToTextParameters : GenerationParameters
{
    public GenerationParameters? GenerateParameters { get; init; }

    /// <summary>Translation: the source language code.</summary>
    public string? SrcLang { get; init; }

    /// <summary>Translation: the target language code.</summary>
    public string? TgtLang { get; init; }

    /// <summary>Part of the spec; texts are always cut at the model's limit here, with a notice.</summary>
    public string? Truncation { get; init; }

    /// <summary>Part of the spec; decoding always cleans up spaces as the model's tokenizer says.</summary>
    public bool? CleanUpTokenizationSpaces { get; init; }

    /// <summary>The body a provider is sent: the generation parameters flat, by their HF names, and the languages.</summary>
    public static TextToTextParameters Flat(GenerationParameters g, string? source = null, string? target = null) => new()
    {
        MaxNewTokens = g.MaxNewTokens, MinNewTokens = g.MinNewTokens, MaxLength = g.MaxLength, MinLength = g.MinLength,
        DoSample = g.DoSample, Temperature = g.Temperature, TopK = g.TopK, TopP = g.TopP, RepetitionPenalty = g.RepetitionPenalty,
        NoRepeatNgramSize = g.NoRepeatNgramSize, NumBeams = g.NumBeams, LengthPenalty = g.LengthPenalty, EarlyStopping = g.EarlyStopping, Seed = g.Seed,
        SrcLang = source, TgtLang = target,
    };

    /// <summary>The generation parameters, those of generate_parameters over the flat ones. Not part of the wire.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public GenerationParameters Generation => (GenerateParameters ?? new GenerationParameters()).Over(new GenerationParameters
    {
        MaxNewTokens = MaxNewTokens, MinNewTokens = MinNewTokens, MaxLength = MaxLength, MinLength = MinLength,
        DoSample = DoSample, Temperature = Temperature, TopK = TopK, TopP = TopP, RepetitionPenalty = RepetitionPenalty,
        NoRepeatNgramSize = NoRepeatNgramSize, NumBeams = NumBeams, LengthPenalty = LengthPenalty, EarlyStopping = EarlyStopping, Seed = Seed,
    });
}

/// <summary>The summarization answer: <c>[{"summary_text": "..."}]</c>.</summary>
public sealed record SummaryAnswer(string SummaryText);

/// <summary>The translation answer: <c>[{"translation_text": "..."}]</c>.</summary>
public sealed record TranslationAnswer(string TranslationText);
