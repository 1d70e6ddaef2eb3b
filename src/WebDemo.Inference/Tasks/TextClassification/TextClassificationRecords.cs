using System.Text.Json.Serialization;

namespace WebDemo.Inference.Tasks.TextClassification;

/// <summary>
/// A text-classification call, as the pages and the SignalR hub send it. The HTTP API maps the
/// Hugging Face wire format (<see cref="TextClassificationInput"/>) onto this.
/// </summary>
/// <param name="Inputs">One text per item.</param>
/// <param name="Model">A model id; null means the default of the chosen provider (the first local model, or the cloud model).</param>
/// <param name="TopK">Return only the K most probable labels; null returns them all, best first.</param>
/// <param name="Provider">"local", "auto" or a provider's name; null means local when a local model serves the model, else auto.</param>
/// <param name="Failover">With a named provider: may other providers, then the local model, answer when it fails? (Opt-in.)</param>
public sealed record TextClassificationRequest(IReadOnlyList<string> Inputs, string? Model = null, int? TopK = null, string? Provider = null, bool Failover = false)
    : ITaskRequest
{
    public static string TaskName => "text-classification";
}

/// <summary>One label with its probability: the Hugging Face <c>{label, score}</c> shape.</summary>
public sealed record LabelScore([property: JsonRequired] string Label, [property: JsonRequired] double Score);

/// <summary>The result for one input text, streamed as soon as it is computed.</summary>
/// <param name="Index">The input's position in the request.</param>
/// <param name="Labels">Labels sorted by score, best first.</param>
/// <param name="Truncated">True when the text was longer than the model's maximum and was cut.</param>
/// <param name="TokenCount">Tokens fed to the model, special tokens included.</param>
public sealed record ClassifiedText(int Index, string Text, IReadOnlyList<LabelScore> Labels, bool Truncated, int TokenCount);

/// <summary>A validated call as a backend receives it.</summary>
public sealed record TextClassificationCall(string Model, IReadOnlyList<string> Inputs, int? TopK);
