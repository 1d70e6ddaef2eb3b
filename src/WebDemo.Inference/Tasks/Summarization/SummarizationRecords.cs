using System.ComponentModel.DataAnnotations;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Tasks.Summarization;

/// <summary>A summarization call, as the pages and the hub send it.</summary>
public sealed record SummarizationRequest(string Input, GenerationParameters? Parameters = null, string? Model = null, string? Provider = null, bool Failover = false)
    : ITaskRequest
{
    public static string TaskName => "summarization";
}

/// <summary>A validated call as a backend receives it.</summary>
public sealed record SummarizationCall(string Model, string Input, GenerationParameters Parameters);

/// <summary>Limits and defaults of summarization (section "Summarization").</summary>
public sealed class SummarizationOptions : TextToTextOptions
{
    public const string Section = "Summarization";

    /// <summary>The model cloud providers are asked for when a request names none.</summary>
    [Required]
    public string CloudModel { get; set; } = "facebook/bart-large-cnn";

    /// <summary>Further cloud models a request may name.</summary>
    public List<string> CloudModels { get; set; } = [];
}
