using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Routing;

/// <summary>
/// Turns (provider, the model's live providers) into an ordered failover chain, the same for
/// every task:
/// <list type="bullet">
/// <item><c>auto</c> with a router choice (chat): the router's own choice, which already fails
/// over between the model's providers, then at most one more path (the first mapped provider),
/// then the local model.</item>
/// <item><c>auto</c> without one: the model's live providers in the Hub's order, then the local model.</item>
/// <item>a named provider: that one alone, as the HF clients and the router honour it; with
/// failover asked for, then the model's other providers, then the local model.</item>
/// </list>
/// (<c>local</c> alone needs no plan: the services run their local link directly.)
/// </summary>
internal static class ProviderRouter
{
    /// <param name="mapped">The model's live providers, from the Hub's provider mapping.</param>
    /// <param name="routerChoice">For "auto", a first link that lets the router pick (chat's plain model id); null when the task has none.</param>
    /// <param name="failover">For a named provider: whether others may answer when it fails.</param>
    public static IReadOnlyList<ChainLink<TBackend>> Plan<TBackend>(
        string provider, string model, IReadOnlyList<CloudProvider> mapped,
        Func<CloudProvider, TBackend> cloudBackend, ChainLink<TBackend>? local, CloudProvider? routerChoice = null, bool failover = false)
    {
        var named = provider != ProviderNames.Auto;
        IEnumerable<CloudProvider> order = !named
            ? routerChoice is null ? mapped : [routerChoice, .. mapped.Take(1)]
            : [mapped.FirstOrDefault(p => p.Name == provider) ?? new CloudProvider(provider, model), .. failover ? mapped.Where(p => p.Name != provider) : []];
        var chain = order.Select(p => new ChainLink<TBackend>(p.Name, model, cloudBackend(p))).ToList();
        if (local is not null && (!named || failover))
            chain.Add(local);
        if (chain.Count == 0)
            throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"No inference provider serves {model} right now, and there is no local model to fall back on.");
        return chain;
    }
}
