using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Routing;

/// <summary>A provider that serves a model, and the model's id there.</summary>
public sealed record CloudProvider(string Name, string ProviderModelId);

/// <summary>Cloud inference (Hugging Face Inference Providers), as the core sees it.</summary>
public interface ICloudInference
{
    /// <summary>Null when cloud providers can be called; otherwise why not, in words for the page.</summary>
    string? UnavailableReason { get; }

    /// <summary>The live providers of a model for a task, in the order the Hub lists them.</summary>
    Task<IReadOnlyList<CloudProvider>> ProvidersAsync(string model, string task, CancellationToken cancellationToken);

    ITextClassificationBackend TextClassification(string provider, string providerModelId);
}
