using Microsoft.Extensions.DependencyInjection;
using WebDemo.TestSupport;
using WebDemo.Features.Usage;
using WebDemo.Inference.Status;
using WebDemo.Inference.Usage;

namespace WebDemo.Tests.Features.Usage;

/// <summary>The usage store, the daily cloud budget and the Status sections, on a real SQLite file and a hand-moved clock.</summary>
public sealed class UsageStoreTests : IAsyncDisposable
{
    internal const string BrowserA = "AAAAAAAAAAAAAAAAAAAAAA";
    internal const string BrowserB = "AQAAAAAAAAAAAAAAAAAAAA";

    private readonly UsageServices _usage = new();
    private readonly ManualClock _clock = new();

    public ValueTask DisposeAsync() => _usage.DisposeAsync();

    private Task<ServiceProvider> StartAsync(params (string Key, string Value)[] settings) => _usage.StartAsync(_clock, settings);

    /// <summary>A call that ended <paramref name="ago"/> before the clock's now.</summary>
    internal static UsageRecord Call(DateTimeOffset now, TimeSpan ago, string? browser, string provider = "prov-a", string model = "org/m1",
        int tokensIn = 100, int tokensOut = 50, decimal? cost = 0.01m, string outcome = UsageOutcome.Ok, bool isCloud = true, int images = 0) =>
        new(now - ago, UsageContext.Api, browser, "chat-completion", provider, model, tokensIn, tokensOut, images, images > 0 ? 4 : null,
            1_234, outcome, outcome == UsageOutcome.Failed ? "ModelUnavailable" : null, cost, isCloud);

    private async Task<UsageStore> StoreWithAsync(params UsageRecord[] calls)
    {
        var store = (await StartAsync()).GetRequiredService<UsageStore>();
        foreach (var call in calls)
            store.Record(call);
        await store.FlushAsync();
        return store;
    }

    [Fact]
    public async Task Totals_are_per_provider_and_model_for_today_and_the_last_7_days_of_everyone_or_one_browser()
    {
        var now = _clock.GetUtcNow();
        var sinceMidnight = now - now.UtcDateTime.Date;
        var store = await StoreWithAsync(
            Call(now, TimeSpan.Zero, BrowserA),
            Call(now, TimeSpan.FromMinutes(1), BrowserB, tokensIn: 0, tokensOut: 0, cost: null, outcome: UsageOutcome.Failed),
            Call(now, sinceMidnight + TimeSpan.FromMinutes(1), BrowserA, tokensIn: 7), // yesterday
            Call(now, TimeSpan.FromDays(3), BrowserA, "local", "org/m2", cost: 0m, isCloud: false, images: 1),
            Call(now, TimeSpan.FromDays(8), BrowserA)); // kept (30 days), but not in the last 7

        var everyone = await store.SummaryAsync(null);
        var mine = await store.SummaryAsync(BrowserA);

        Assert.Equal([new UsageTotal("prov-a", "org/m1", 2, 1, 100, 50, 0, 0.01, 1)], everyone.Today);
        Assert.Equal(
            [new UsageTotal("local", "org/m2", 1, 0, 100, 50, 1, 0, 0), new UsageTotal("prov-a", "org/m1", 3, 1, 107, 100, 0, 0.02, 1)],
            everyone.Last7Days);
        Assert.Equal([new UsageTotal("prov-a", "org/m1", 1, 0, 100, 50, 0, 0.01, 0)], mine.Today);
        Assert.Equal(3, mine.Last7Days.Sum(t => t.Calls));
        Assert.Equal(everyone.Today, store.Current.Today); // what the Status page shows, as of the last write
        Assert.Equal(everyone.Last7Days, store.Current.Last7Days);
    }

    [Fact]
    public async Task A_browser_sees_its_own_latest_calls_newest_first()
    {
        var now = _clock.GetUtcNow();
        var store = await StoreWithAsync(
            Call(now, TimeSpan.FromHours(2), BrowserA, model: "org/first"),
            Call(now, TimeSpan.FromHours(1), BrowserB, model: "org/theirs"),
            Call(now, TimeSpan.Zero, BrowserA, model: "org/second"));

        var calls = await store.RecentAsync(BrowserA, 50);

        Assert.Equal(["org/second", "org/first"], calls.Select(c => c.Model));
        Assert.Equal((UsageContext.Api, 100, 50, 0.01), (calls[0].Surface, calls[0].TokensIn, calls[0].TokensOut, calls[0].EstimatedCostUsd));
        Assert.Single(await store.RecentAsync(BrowserA, 1));
    }

    [Fact]
    public async Task Calls_older_than_the_retention_are_deleted_when_usage_is_written()
    {
        var now = _clock.GetUtcNow();
        var store = (await StartAsync(("Usage:RetentionDays", "5"))).GetRequiredService<UsageStore>();

        store.Record(Call(now, TimeSpan.FromDays(6), BrowserA, model: "org/old"));
        store.Record(Call(now, TimeSpan.FromDays(4), BrowserA, model: "org/kept"));
        await store.FlushAsync();

        Assert.Equal(["org/kept"], (await store.RecentAsync(BrowserA, 50)).Select(c => c.Model));
    }

    [Fact]
    public async Task The_token_budget_stops_cloud_calls_once_reached_counts_only_cloud_and_renews_at_midnight()
    {
        var budget = (await StartAsync(("Usage:DailyBudget:Tokens", "1000"))).GetRequiredService<ICloudBudget>();
        var recorder = (IUsageRecorder)budget;
        var now = _clock.GetUtcNow();

        recorder.Record(Call(now, TimeSpan.Zero, BrowserA, tokensIn: 500, tokensOut: 100));
        recorder.Record(Call(now, TimeSpan.Zero, BrowserA, "local", tokensIn: 5_000, isCloud: false));
        Assert.Null(budget.Refusal);
        recorder.Record(Call(now, TimeSpan.Zero, BrowserB, tokensIn: 400, tokensOut: 100));

        Assert.Equal("Today's cloud budget of this app is spent (1,100 of 1,000 tokens); local models still work. It renews at midnight UTC.", budget.Refusal);
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Null(budget.Refusal);
    }

    [Fact]
    public async Task The_dollar_budget_counts_estimates_and_starts_from_what_the_store_holds_for_today()
    {
        var now = _clock.GetUtcNow();
        await StoreWithAsync(
            Call(now, TimeSpan.FromMinutes(5), BrowserA, cost: 0.30m),
            Call(now, TimeSpan.FromDays(1), BrowserA, cost: 5m)); // yesterday's do not count

        var budget = (await StartAsync(("Usage:DailyBudget:Usd", "0.5"))).GetRequiredService<CloudBudget>();
        Assert.Equal(0.30m, budget.State.UsdUsed);
        Assert.Null(budget.Refusal);
        ((IUsageRecorder)budget).Record(Call(now, TimeSpan.Zero, BrowserA, cost: 0.25m));

        Assert.Contains("(an estimated $0.55 of $0.50)", budget.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_status_sections_show_the_totals_marked_as_estimates_and_the_budget()
    {
        var now = _clock.GetUtcNow();
        var services = await StartAsync(("Usage:DailyBudget:Tokens", "100"));
        var store = services.GetRequiredService<UsageStore>();
        foreach (var recorder in services.GetServices<IUsageRecorder>())
            recorder.Record(Call(now, TimeSpan.Zero, BrowserA));
        await store.FlushAsync();

        var sections = services.GetServices<IStatusContributor>().SelectMany(c => c.Describe()).ToList();

        var today = Assert.Single(sections, s => s.Id == "usage-today");
        Assert.Equal(["prov-a", "org/m1", "1", "0", "100", "50", "0", "~$0.01"], today.Table!.Rows.Single().Select(c => c.Lines.Single()));
        Assert.Contains("Est. cost (USD)", today.Table.Columns);
        Assert.Contains(today.Lines, l => l.Text.Contains("estimates", StringComparison.Ordinal));
        var budgetLine = Assert.Single(today.Lines, l => l.Id == "usage-budget");
        Assert.Equal("cloud stopped", budgetLine.Chips!.Single().Text);
        Assert.Contains("150 of 100 tokens", budgetLine.Text, StringComparison.Ordinal);
        Assert.Single(Assert.Single(sections, s => s.Id == "usage-week").Table!.Rows);
    }
}
