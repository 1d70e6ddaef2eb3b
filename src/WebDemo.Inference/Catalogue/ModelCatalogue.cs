namespace WebDemo.Inference.Catalogue;

/// <summary>
/// What the Hugging Face router's live catalogue (<c>GET /v1/models</c>) says of one provider of
/// one model: its status, context length, prices and the router's own performance figures, each
/// null where the router does not give it.
/// </summary>
/// <param name="Provider">The provider's name as the router spells it ("together", "novita", ...).</param>
/// <param name="Status">"live", "staging", ... as the router gives it.</param>
/// <param name="InputUsdPerMillionTokens">Price of a million input (prompt) tokens, in US dollars.</param>
/// <param name="OutputUsdPerMillionTokens">Price of a million output (completion) tokens, in US dollars.</param>
/// <param name="ThroughputTokensPerSecond">The router's own figure for the provider's output speed.</param>
/// <param name="LatencySeconds">The router's own figure for the provider's time to first token.</param>
public sealed record ProviderOffer(
    string Provider,
    string? Status,
    int? ContextLength,
    decimal? InputUsdPerMillionTokens,
    decimal? OutputUsdPerMillionTokens,
    double? ThroughputTokensPerSecond,
    double? LatencySeconds);

/// <summary>The catalogue as last read: per model id, its providers' offers.</summary>
/// <param name="ReadAt">When the router answered; null when it never has.</param>
/// <param name="UnavailableReason">Null when the catalogue was read; otherwise why not, in words for the page.</param>
public sealed record CatalogueSnapshot(
    IReadOnlyDictionary<string, IReadOnlyList<ProviderOffer>> Models,
    DateTimeOffset? ReadAt,
    string? UnavailableReason)
{
    /// <summary>The last good read, kept while the router cannot be read again (<see cref="UnavailableReason"/> says why).</summary>
    public bool IsStale => ReadAt is not null && UnavailableReason is not null;

    public static CatalogueSnapshot Unavailable(string reason) =>
        new(new Dictionary<string, IReadOnlyList<ProviderOffer>>(StringComparer.Ordinal), null, reason);

    /// <summary>The offer of <paramref name="provider"/> for <paramref name="model"/>, when the catalogue lists it.</summary>
    public ProviderOffer? Offer(string model, string provider) =>
        Models.TryGetValue(model, out var offers)
            ? offers.FirstOrDefault(o => string.Equals(o.Provider, provider, StringComparison.Ordinal))
            : null;
}

/// <summary>The router's catalogue of models, providers and prices, read once per cache period.</summary>
public interface IModelCatalogue
{
    /// <summary>
    /// The catalogue, read from the router when the cached copy is older than its cache period.
    /// Never throws for the router's failures: they are in <see cref="CatalogueSnapshot.UnavailableReason"/>.
    /// </summary>
    Task<CatalogueSnapshot> ReadAsync(CancellationToken cancellationToken);

    /// <summary>What the last read said, without waiting on the network (for pricing a call as it ends).</summary>
    CatalogueSnapshot Cached { get; }
}

/// <summary>The catalogue of an app without cloud providers: nothing listed, and why.</summary>
public sealed class NoModelCatalogue : IModelCatalogue
{
    private static readonly CatalogueSnapshot None = CatalogueSnapshot.Unavailable("Cloud providers are not set up in this app.");

    public Task<CatalogueSnapshot> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(None);

    public CatalogueSnapshot Cached => None;
}
