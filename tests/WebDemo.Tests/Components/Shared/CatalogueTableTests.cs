using Bunit;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Components.Shared;
using WebDemo.Inference.Catalogue;

namespace WebDemo.Tests.Components.Shared;

/// <summary>The router's claims for one model: a row per provider, or the reason the catalogue cannot be read.</summary>
public sealed class CatalogueTableTests : IAsyncDisposable
{
    private const string Model = "org/chat";
    private static readonly DateTimeOffset ReadAt = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);

    private readonly BunitContext _ctx = MudTestContext.Create();

    private IRenderedComponent<CatalogueTable> Render(CatalogueSnapshot snapshot, string model = Model)
    {
        _ctx.Services.AddSingleton<IModelCatalogue>(new FixedCatalogue(snapshot));
        return _ctx.Render<CatalogueTable>(p => p.Add(c => c.Model, model));
    }

    private static CatalogueSnapshot Listing(params ProviderOffer[] offers) =>
        new(new Dictionary<string, IReadOnlyList<ProviderOffer>> { [Model] = offers, ["org/other"] = [new("elsewhere", "live", null, null, null, null, null)] },
            ReadAt, null);

    private static string[] Cells(IRenderedComponent<CatalogueTable> table, string provider) =>
        table.Find($"[data-testid=catalogue-row-{provider}]").QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToArray();

    [Fact]
    public void Each_provider_of_the_model_is_a_row_with_its_claims_and_a_dash_where_the_router_gives_none()
    {
        var table = Render(Listing(
            new ProviderOffer("together", "live", 131072, 0.88m, 1.2m, 41.24, 0.614),
            new ProviderOffer("featherless-ai", "error", null, null, null, null, null)));

        Assert.Equal(["together", "live", $"{131072:N0} tokens", "$0.88", "$1.20", $"{41.2:0.#} tokens/s", $"{0.61:0.00} s"], Cells(table, "together"));
        Assert.Equal(["featherless-ai", "error", "—", "—", "—", "—", "—"], Cells(table, "featherless-ai"));
        Assert.Equal(2, table.FindAll("[data-testid=catalogue-table] tbody tr").Count); // not the other model's provider
        Assert.Empty(table.FindAll("[data-testid=catalogue-unavailable]"));
    }

    [Fact]
    public void A_catalogue_that_cannot_be_read_shows_why_and_no_table()
    {
        var table = Render(CatalogueSnapshot.Unavailable("The router wants a token for its catalogue: set HF_TOKEN."));

        Assert.Equal("The router wants a token for its catalogue: set HF_TOKEN.", table.Find("[data-testid=catalogue-unavailable]").TextContent.Trim());
        Assert.Empty(table.FindAll("[data-testid=catalogue-table]"));
    }

    [Fact]
    public void A_stale_catalogue_is_shown_with_the_reason_and_when_it_was_read()
    {
        var table = Render(Listing(new ProviderOffer("together", "live", null, 1m, 2m, null, null)) with { UnavailableReason = "The router could not give its catalogue (HTTP 503)." });

        var notice = table.Find("[data-testid=catalogue-unavailable]").TextContent;
        Assert.Contains("The router could not give its catalogue (HTTP 503).", notice, StringComparison.Ordinal);
        Assert.Contains("2026-03-14 15:09:26Z", notice, StringComparison.Ordinal);
        Assert.Equal("$1.00", Cells(table, "together")[3]);
    }

    [Fact]
    public void A_model_the_router_does_not_list_is_said_so()
    {
        var table = Render(Listing(), "org/unlisted");

        Assert.Equal("The router's catalogue lists no provider for org/unlisted.", table.Find("[data-testid=catalogue-unavailable]").TextContent.Trim());
        Assert.Empty(table.FindAll("[data-testid=catalogue-table]"));
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();

    private sealed class FixedCatalogue(CatalogueSnapshot snapshot) : IModelCatalogue
    {
        public Task<CatalogueSnapshot> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(snapshot);

        public CatalogueSnapshot Cached => snapshot;
    }
}
