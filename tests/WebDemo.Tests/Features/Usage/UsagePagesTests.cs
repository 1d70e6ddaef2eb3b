using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using WebDemo.Components.Pages;
using WebDemo.Features.TextClassification;
using WebDemo.Features.Usage;
using WebDemo.Hosting;
using WebDemo.Inference.Catalogue;
using WebDemo.Inference.Status;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.Inference.Usage;
using WebDemo.Tests.Features.TextClassification;
using static WebDemo.Tests.Features.Usage.UsageStoreTests;

namespace WebDemo.Tests.Features.Usage;

/// <summary>Usage as pages show it (bUnit): the Status page's sections, a browser's own usage page, and a page's calls recorded as its browser's.</summary>
public sealed class UsagePagesTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = MudTestContext.Create();
    private readonly UsageServices _usage = new();
    private readonly BrowserIdentity _browser = new();
    private readonly ScriptedBackend _backend = new();
    private ServiceProvider _services = null!;

    private UsageStore Store => _services.GetRequiredService<UsageStore>();

    public async Task InitializeAsync()
    {
        _services = await _usage.StartAsync(clock: null);
        _browser.Identify(BrowserA);
        _ctx.Services.AddSingleton(Store);
        _ctx.Services.AddSingleton(_services.GetRequiredService<IEnumerable<IStatusContributor>>());
        _ctx.Services.AddSingleton(_browser);
        // The sentiment page, its task metered into this store.
        var options = Options.Create(new TextClassificationOptions { MaxInputs = 3 });
        _ctx.Services.AddSingleton(options);
        _ctx.Services.AddSingleton<IInferenceTask<TextClassificationRequest, ClassifiedText>>(new TextClassificationTask([_backend], options,
            usage: new UsageMetering(_services.GetServices<IUsageRecorder>(), new NoModelCatalogue())));
        _ctx.Services.AddSingleton(new PageAdmission(new ClientRateLimits(Options.Create(new RateLimitOptions { PermitsPerWindow = 5 })), _browser));
        _ctx.Render<MudPopoverProvider>();
        var now = DateTimeOffset.UtcNow;
        Store.Record(Call(now, TimeSpan.Zero, BrowserA, model: "org/mine"));
        Store.Record(Call(now, TimeSpan.Zero, BrowserB, model: "org/theirs", cost: null));
        await Store.FlushAsync();
    }

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        await _usage.DisposeAsync();
    }

    [Fact]
    public void The_Status_page_shows_everyones_totals_with_the_estimate_marked()
    {
        var page = _ctx.Render<Status>();

        var today = page.Find("[data-testid=usage-today-table]");
        Assert.Contains("Est. cost (USD)", today.TextContent, StringComparison.Ordinal);
        Assert.Contains("org/mine", today.TextContent, StringComparison.Ordinal);
        Assert.Contains("org/theirs", today.TextContent, StringComparison.Ordinal);
        Assert.Contains("~$0.01", today.TextContent, StringComparison.Ordinal);
        Assert.Contains("estimates", page.Find("[data-testid=usage-today]").TextContent, StringComparison.Ordinal);
        Assert.Contains("org/mine", page.Find("[data-testid=usage-week-table]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_usage_page_shows_this_browsers_calls_only()
    {
        var page = _ctx.Render<UsagePage>();

        page.WaitForAssertion(() => Assert.Contains("org/mine", page.Find("[data-testid=usage-mine-calls]").TextContent, StringComparison.Ordinal));
        Assert.Contains("org/mine", page.Find("[data-testid=usage-mine-today]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("org/theirs", page.Markup, StringComparison.Ordinal);
        Assert.Contains("estimates", page.Find("[data-testid=usage-estimate]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_on_a_task_page_is_recorded_as_the_pages_with_its_browser()
    {
        var page = _ctx.Render<Sentiment>();

        page.Find("textarea").Input("what a joy");
        page.Find("button[data-testid=analyze]").Click();
        _backend.Send(0, "what a joy", "POSITIVE", 0.97);
        _backend.Finish();
        page.WaitForAssertion(() => Assert.Contains("scripted", page.Find("[data-testid=provenance]").TextContent, StringComparison.Ordinal));
        await Store.FlushAsync();

        var call = (await Store.RecentAsync(BrowserA, 1)).Single();
        Assert.Equal((UsageContext.Page, "text-classification", "scripted", UsageOutcome.Ok), (call.Surface, call.Task, call.Provider, call.Outcome));
    }
}
