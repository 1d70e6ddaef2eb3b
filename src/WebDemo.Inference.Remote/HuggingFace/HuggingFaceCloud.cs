using WebDemo.Inference.Configuration;
using WebDemo.Inference.Remote.Resilience;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>Hugging Face Inference Providers through the router: what the core's <see cref="ICloudInference"/> asks for.</summary>
public sealed class HuggingFaceCloud(
    HuggingFaceToken token,
    ProviderMapping mapping,
    ProviderPipelines pipelines,
    HfTaskClient client) : ICloudInference
{
    public string? UnavailableReason => token.IsConfigured
        ? null
        : "Cloud providers need a Hugging Face token: set HF_TOKEN (or run `hf auth login`) and restart. Local models work without one.";

    public async Task<IReadOnlyList<CloudProvider>> ProvidersAsync(string model, string task, CancellationToken cancellationToken) =>
        (await mapping.LiveProvidersAsync(model, task, cancellationToken).ConfigureAwait(false))
            .Select(e => new CloudProvider(e.Provider, string.IsNullOrEmpty(e.ProviderModelId) || e.Provider == "hf-inference" ? model : e.ProviderModelId))
            .ToList();

    public bool IsDown(string provider) => pipelines.IsOpen(provider);

    public ITextClassificationBackend TextClassification(string provider, string providerModelId) =>
        new CloudTextClassificationBackend(provider, providerModelId, client);
}
