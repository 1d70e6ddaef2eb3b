using Microsoft.Extensions.Options;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Tasks;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>
/// What every task's cloud backends share: the token check, and which providers serve a model
/// for the task (the Hub's mapping). A task adds how to call one provider.
/// </summary>
internal abstract class RouterTaskBackends<TCall, TItem>(HuggingFaceToken token, ProviderMapping mapping, IOptions<CloudOptions> options, string task)
    : ICloudTaskBackends<TCall, TItem>
{
    /// <summary>The token, for backends that must pass it to an SDK themselves.</summary>
    protected HuggingFaceToken Token => token;

    /// <summary>The Hub's provider mappings, for what a provider's entry says beyond its model id (an adapter).</summary>
    protected ProviderMapping Mapping => mapping;

    /// <summary>The cloud settings (router URL, budgets).</summary>
    protected CloudOptions Cloud => options.Value;

    public string? UnavailableReason => token.IsConfigured
        ? null
        : "Cloud providers need a Hugging Face token: set HF_TOKEN (or run `hf auth login`) and restart. Local models work without one.";

    public async Task<IReadOnlyList<CloudProvider>> ProvidersAsync(string model, CancellationToken cancellationToken) =>
        (await mapping.LiveProvidersAsync(model, task, cancellationToken).ConfigureAwait(false))
            .Select(e => new CloudProvider(e.Provider, string.IsNullOrEmpty(e.ProviderModelId) ? model : e.ProviderModelId))
            .ToList();

    public bool IsKnownProvider(string provider) => mapping.IsKnown(provider);

    public abstract ITaskBackend<TCall, TItem> Create(CloudProvider provider, string model);

    public virtual CloudProvider? RouterChoice(string model) => null;

    /// <summary>How long the cloud links together may take to start answering; a task whose answer comes whole sets its own.</summary>
    public virtual TimeSpan CallBudget => options.Value.CallBudget;
}
