using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Routing;

/// <summary>
/// Turns (task, model, provider) into an ordered failover chain:
/// <list type="bullet">
/// <item><c>local</c>: this machine only.</item>
/// <item><c>auto</c>: the model's live providers in the Hub's order, then the local model.</item>
/// <item>a named provider: that one first, then the model's other providers, then the local model.</item>
/// </list>
/// </summary>
public sealed class ProviderRouter(ICloudInference cloud)
{
    public async Task<IReadOnlyList<ChainLink<TBackend>>> PlanAsync<TBackend>(
        string task, string cloudModel, string provider,
        Func<CloudProvider, TBackend> cloudBackend,
        ChainLink<TBackend>? local,
        CancellationToken cancellationToken)
    {
        if (provider == ProviderNames.Local)
            return local is null
                ? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"No local model serves {task} here.")
                : [local];
        if (cloud.UnavailableReason is { } why)
            throw new InferenceException(InferenceErrorKind.Unauthorized, why);

        var mapped = await cloud.ProvidersAsync(cloudModel, task, cancellationToken).ConfigureAwait(false);
        IEnumerable<CloudProvider> order = provider == ProviderNames.Auto
            ? mapped
            : [mapped.FirstOrDefault(p => p.Name == provider) ?? new CloudProvider(provider, cloudModel), .. mapped.Where(p => p.Name != provider)];
        var chain = order.Select(p => new ChainLink<TBackend>(p.Name, cloudModel, cloudBackend(p))).ToList();
        if (local is not null)
            chain.Add(local);
        if (chain.Count == 0)
            throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"No inference provider serves {cloudModel} for {task} right now, and there is no local model to fall back on.");
        return chain;
    }
}
