using WebDemo.Hosting;
using WebDemo.Inference.Catalogue;

namespace WebDemo.Api;

/// <summary>
/// <c>GET /api/catalogue[?model=org/name]</c>: the router's catalogue as last read (prices, context
/// lengths, the router's own throughput and latency per provider), or why it cannot be read. With
/// <c>model</c>, that model only (an empty list when the router lists it not).
/// </summary>
internal static class CatalogueApi
{
    public const string Route = "/api/catalogue";

    /// <summary>The answer, camelCase as the rest of the app's own API.</summary>
    /// <param name="Stale">True when <paramref name="Models"/> is the last good read and the latest failed (<paramref name="UnavailableReason"/> says why).</param>
    public sealed record Answer(DateTimeOffset? ReadAt, string? UnavailableReason, bool Stale, IReadOnlyList<ModelOffers> Models);

    public sealed record ModelOffers(string Id, IReadOnlyList<ProviderOffer> Providers);

    public static void MapCatalogueApi(this IEndpointRouteBuilder app) =>
        app.MapGet(Route, ReadAsync).RequireClientRateLimit();

    private static async Task<IResult> ReadAsync(string? model, IModelCatalogue catalogue, CancellationToken ct)
    {
        var snapshot = await catalogue.ReadAsync(ct);
        var models = snapshot.Models
            .Where(m => model is null || string.Equals(m.Key, model, StringComparison.Ordinal))
            .OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => new ModelOffers(m.Key, m.Value))
            .ToList();
        return TypedResults.Ok(new Answer(snapshot.ReadAt, snapshot.UnavailableReason, snapshot.IsStale, models));
    }
}
