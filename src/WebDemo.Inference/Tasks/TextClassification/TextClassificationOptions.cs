using System.ComponentModel.DataAnnotations;

namespace WebDemo.Inference.Tasks.TextClassification;

/// <summary>Limits and defaults of the text-classification task (section "TextClassification").</summary>
public sealed class TextClassificationOptions
{
    public const string Section = "TextClassification";

    /// <summary>The model cloud providers are asked for when a request names none (and the only one they may be asked for, besides the local models).</summary>
    [Required]
    public string CloudModel { get; set; } = "distilbert/distilbert-base-uncased-finetuned-sst-2-english";

    /// <summary>The most texts one request may hold.</summary>
    [Range(1, 10_000)]
    public int MaxInputs { get; set; } = 64;

    /// <summary>The longest single text accepted; longer ones are refused rather than truncated.</summary>
    [Range(1, 10_000_000)]
    public int MaxCharactersPerInput { get; set; } = 20_000;
}
