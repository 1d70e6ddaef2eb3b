using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Routing;

/// <summary>
/// Turns (provider, the model's live providers) into an ordered failover chain, the same for
/// every task:
/// <list type="bullet">
/// <item><c>auto</c>: the router's own choice when the task has one (chat), then the model's
/// live providers in the Hub's order, then the local model.</item>
/// <item>a named provider: that one first, then the model's other providers, then the local model.</item>
/// </list>
/// (<c>local</c> alone needs no plan: the services run their local link directly.)
/// </summary>
internal static class ProviderRouter
{
    /// <param name="mapped">The model's live providers, from the Hub's provider mapping.</param>
    /// <param name="routerChoice">For "auto", a first link that lets the router pick (chat's plain model id); null when the task has none.</param>
    public static IReadOnlyList<ChainLink<TBackend>> Plan<TBackend>(
        string provider, string model, IReadOnlyList<CloudProvider> mapped,
        Func<CloudProvider, TBackend> cloudBackend, ChainLink<TBackend>? local, CloudProvider? routerChoice = null)
    {
        IEnumerable<CloudProvider> order = provider == ProviderNames.Auto
            ? routerChoice is null ? mapped : [routerChoice, .. mapped]
            : [mapped.FirstOrDefault(p => p.Name == provider) ?? new CloudProvider(provider, model), .. mapped.Where(p => p.Name != provider)];
        var chain = order.Select(p => new ChainLink<TBackend>(p.Name, model, cloudBackend(p))).ToList();
        if (local is not null)
            chain.Add(local);
        if (chain.Count == 0)
            throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"No inference provider serves {model} right now, and there is no local model to fall back on.");
        return chain;
    }
}
