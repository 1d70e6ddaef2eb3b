using System.ComponentModel.DataAnnotations;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Tasks.Translation;

/// <summary>A translation call: the text, the language pair by ISO 639-1 code ("en", "fr"), and how to generate.</summary>
public sealed record TranslationRequest(string Input, string? SourceLanguage = null, string? TargetLanguage = null,
    GenerationParameters? Parameters = null, string? Model = null, string? Provider = null, bool Failover = false)
    : ITaskRequest
{
    public static string TaskName => "translation";
}

/// <summary>A validated call as a backend receives it; the languages are those the request named, or null for the model's default pair.</summary>
public sealed record TranslationCall(string Model, string Input, string? SourceLanguage, string? TargetLanguage, GenerationParameters Parameters);

/// <summary>Limits and defaults of translation (section "Translation").</summary>
public sealed class TranslationOptions : TextToTextOptions
{
    public const string Section = "Translation";

    [Required]
    public string CloudModel { get; set; } = "google-t5/t5-small";

    public List<string> CloudModels { get; set; } = [];
}

/// <summary>A direction a model translates in, by language code.</summary>
public sealed record LanguagePair(string Source, string Target)
{
    public override string ToString() => $"{Source} → {Target}";
}

/// <summary>The language pairs a model is known to translate, for the page's picker.</summary>
public interface ITranslationLanguages
{
    /// <summary>The pairs of a model this machine runs (loading it if need be); null when this machine cannot tell (a cloud model).</summary>
    Task<IReadOnlyList<LanguagePair>?> PairsAsync(string model, CancellationToken cancellationToken);
}
