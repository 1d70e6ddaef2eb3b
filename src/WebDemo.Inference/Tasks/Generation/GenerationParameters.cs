using System.ComponentModel.DataAnnotations;
using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Tasks.Generation;

/// <summary>
/// How to generate, by the names of Hugging Face's generate parameters (the
/// <c>generate_parameters</c> of the Inference API's summarization and translation bodies).
/// Null means the model's own default (its generation_config.json or task_specific_params).
/// Lengths follow transformers: <c>max_length</c>/<c>min_length</c> count the whole output,
/// <c>max_new_tokens</c>/<c>min_new_tokens</c> only the generated tokens and win when both are given.
/// </summary>
public record GenerationParameters
{
    public int? MaxNewTokens { get; init; }
    public int? MinNewTokens { get; init; }
    public int? MaxLength { get; init; }
    public int? MinLength { get; init; }
    public bool? DoSample { get; init; }
    public double? Temperature { get; init; }
    public int? TopK { get; init; }
    public double? TopP { get; init; }
    public double? RepetitionPenalty { get; init; }
    public int? NoRepeatNgramSize { get; init; }
    public int? NumBeams { get; init; }
    public double? LengthPenalty { get; init; }
    public bool? EarlyStopping { get; init; }
    public int? Seed { get; init; }

    /// <summary>Later values win where they are set.</summary>
    public GenerationParameters Over(GenerationParameters? defaults) => defaults is null ? this : new()
    {
        MaxNewTokens = MaxNewTokens ?? (MaxLength is null ? defaults.MaxNewTokens : null),
        MinNewTokens = MinNewTokens ?? (MinLength is null ? defaults.MinNewTokens : null),
        MaxLength = MaxLength ?? defaults.MaxLength,
        MinLength = MinLength ?? defaults.MinLength,
        DoSample = DoSample ?? defaults.DoSample,
        Temperature = Temperature ?? defaults.Temperature,
        TopK = TopK ?? defaults.TopK,
        TopP = TopP ?? defaults.TopP,
        RepetitionPenalty = RepetitionPenalty ?? defaults.RepetitionPenalty,
        NoRepeatNgramSize = NoRepeatNgramSize ?? defaults.NoRepeatNgramSize,
        NumBeams = NumBeams ?? defaults.NumBeams,
        LengthPenalty = LengthPenalty ?? defaults.LengthPenalty,
        EarlyStopping = EarlyStopping ?? defaults.EarlyStopping,
        Seed = Seed ?? defaults.Seed,
    };

    /// <summary>
    /// What was asked for, over a model's own defaults (its preset, its generation config). A default
    /// that would turn what was asked into beam sampling (not supported here) is left out: sampling
    /// asked for over default beams samples one sequence; beams asked for over default sampling search
    /// without sampling. Asking for both is refused by <see cref="Validate"/>.
    /// </summary>
    public GenerationParameters OverModelDefaults(GenerationParameters? defaults) => defaults is null ? this : Over(defaults with
    {
        NumBeams = DoSample == true && NumBeams is null && defaults.NumBeams > 1 ? 1 : defaults.NumBeams,
        DoSample = NumBeams > 1 && DoSample is null && defaults.DoSample == true ? false : defaults.DoSample,
    });

    /// <summary>Refuses values no provider could use, naming the parameter and its range; <paramref name="maxNewTokens"/> is the server's cap.</summary>
    public void Validate(int maxNewTokens)
    {
        static InferenceException Bad(string message) => new(InferenceErrorKind.InvalidInput, message);
        if (MaxNewTokens is < 1 || MaxNewTokens > maxNewTokens)
            throw Bad($"\"max_new_tokens\" must be 1 to {maxNewTokens} on this server.");
        if (MaxLength is < 1 || MaxLength > maxNewTokens + 1)
            throw Bad($"\"max_length\" must be 1 to {maxNewTokens + 1} on this server.");
        if (MinNewTokens is < 0 || MinNewTokens > maxNewTokens)
            throw Bad($"\"min_new_tokens\" must be 0 to {maxNewTokens}.");
        if (MinLength is < 0 || MinLength > maxNewTokens + 1)
            throw Bad($"\"min_length\" must be 0 to {maxNewTokens + 1}.");
        if (Temperature is { } t && (!(t > 0) || t > 100))
            throw Bad("\"temperature\" must be above 0 and at most 100.");
        if (TopK is < 0 or > 100_000)
            throw Bad("\"top_k\" must be 0 (off) to 100000.");
        if (TopP is { } p && (!(p > 0) || p > 1))
            throw Bad("\"top_p\" must be above 0 and at most 1.");
        if (RepetitionPenalty is { } r && (!(r > 0) || r > 100))
            throw Bad("\"repetition_penalty\" must be above 0 and at most 100.");
        if (NoRepeatNgramSize is < 0 or > 100)
            throw Bad("\"no_repeat_ngram_size\" must be 0 (off) to 100.");
        if (NumBeams is < 1 or > 16)
            throw Bad("\"num_beams\" must be 1 to 16.");
        if (LengthPenalty is { } l && (double.IsNaN(l) || Math.Abs(l) > 100))
            throw Bad("\"length_penalty\" must be between -100 and 100.");
        if (NumBeams > 1 && DoSample == true)
            throw Bad("Choose beams or sampling, not both: \"num_beams\" above 1 needs \"do_sample\": false.");
    }
}

/// <summary>A piece of generated text as it streams: the text the new tokens completed, and how many tokens that was.</summary>
/// <param name="Text">Whole words where possible; the pieces concatenated are the output.</param>
/// <param name="Tokens">Tokens generated for this piece.</param>
/// <param name="InputTokens">On the first piece only: the tokens the model read (after any truncation).</param>
/// <param name="Truncated">On the first piece only: whether the input was cut to the model's limit.</param>
public sealed record GeneratedText(string Text, int Tokens, int? InputTokens = null, bool? Truncated = null);

/// <summary>Limits shared by the text-to-text tasks.</summary>
public class TextToTextOptions
{
    /// <summary>The longest input accepted, in characters; inputs over the model's token limit are truncated.</summary>
    [Range(1, 1_000_000)]
    public int MaxInputCharacters { get; set; } = 20_000;

    /// <summary>The most tokens one request may generate: a cap that protects the server.</summary>
    [Range(1, 4096)]
    public int MaxNewTokens { get; set; } = 512;
}
