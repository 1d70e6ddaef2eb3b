using Microsoft.Extensions.DependencyInjection;
using WebDemo.Features.Compare;
using WebDemo.TestSupport;
using WebDemo.Tests.Data;

namespace WebDemo.Tests.Features.Compare;

/// <summary>Each browser's saved comparisons: round trip with settings and runs, isolation, delete, and the age and count caps.</summary>
public sealed class ComparisonStoreTests : IDisposable
{
    private const string BrowserA = "AAAAAAAAAAAAAAAAAAAAAA";
    private const string BrowserB = "BBBBBBBBBBBBBBBBBBBBBB";

    private readonly TempAppData _data = new();
    private ManualClock Clock => _data.Clock;

    public void Dispose() => _data.Dispose();

    private ComparisonStore Store(params (string Key, string Value)[] settings) =>
        _data.Services((services, configuration) => services.AddCompareFeature(configuration), settings).GetRequiredService<ComparisonStore>();

    private static CompareSettings Settings(string prompt = "hello") =>
        new("chat", "org/model", [new("auto", "org/model", ":fastest"), new("local", "tiny")], 3, 2, 1, prompt, 32);

    private static readonly RunResult[] Runs =
    [
        new("auto:fastest", 1, true, true, 0, 120.5, 900, 12, 40.25, "together", "ok"),
        new("auto:fastest", 2, false, false, 900, null, 30, null, null, null, "failed", "RateLimited", "Too many requests"),
    ];

    [Fact]
    public async Task A_comparison_comes_back_whole_to_its_own_browser_only()
    {
        var store = Store();

        var id = await store.SaveAsync(BrowserA, Settings("emoji 🦊 and a lone \ud800"), Runs, stopped: true);

        Assert.Matches("^[0-9a-f]{32}$", id);
        var saved = await store.GetAsync(BrowserA, id);
        Assert.NotNull(saved);
        Assert.True(saved.Stopped);
        Assert.Equal("emoji 🦊 and a lone \ufffd", saved.Settings.Prompt);
        Assert.Equal(Settings().Targets, saved.Settings.Targets);
        Assert.Equal((3, 2, 1, 32), (saved.Settings.Runs, saved.Settings.Concurrency, saved.Settings.WarmupRuns, saved.Settings.MaxNewTokens));
        Assert.Equal(Runs, saved.Results);
        Assert.Null(await store.GetAsync(BrowserB, id));
        Assert.Empty(await store.ListAsync(BrowserB));
        Assert.False(await store.DeleteAsync(BrowserB, id));
        var entry = Assert.Single(await store.ListAsync(BrowserA));
        Assert.Equal((id, "chat", "org/model", true), (entry.Id, entry.Task, entry.Model, entry.Stopped));
        Assert.True(await store.DeleteAsync(BrowserA, id));
        Assert.Empty(await store.ListAsync(BrowserA));
    }

    [Fact]
    public async Task Past_the_count_cap_the_oldest_go_and_past_the_age_cap_all_go()
    {
        var store = Store(("Compare:MaxSavedPerBrowser", "2"), ("Compare:RetentionDays", "3"));
        var first = await store.SaveAsync(BrowserA, Settings("first"), Runs, false);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var second = await store.SaveAsync(BrowserA, Settings("second"), Runs, false);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var third = await store.SaveAsync(BrowserA, Settings("third"), Runs, false);
        var other = await store.SaveAsync(BrowserB, Settings("other"), Runs, false);

        Assert.Equal([third, second], (await store.ListAsync(BrowserA)).Select(e => e.Id));
        Assert.Null(await store.GetAsync(BrowserA, first));

        Clock.Advance(TimeSpan.FromDays(4));
        Assert.Empty(await store.ListAsync(BrowserA));
        Assert.Null(await store.GetAsync(BrowserB, other));
    }
}
