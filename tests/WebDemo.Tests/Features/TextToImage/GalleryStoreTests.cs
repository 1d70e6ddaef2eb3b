using Microsoft.Extensions.DependencyInjection;
using WebDemo.Features.TextToImage;
using WebDemo.Features.TextToImage.Gallery;
using WebDemo.TestSupport;
using WebDemo.Tests.Data;

namespace WebDemo.Tests.Features.TextToImage;

/// <summary>Each browser's recent images in the app database: round trip, isolation, delete, and the count, age and size caps.</summary>
public sealed class GalleryStoreTests : IDisposable
{
    private const string BrowserA = "AAAAAAAAAAAAAAAAAAAAAA";
    private const string BrowserB = "BBBBBBBBBBBBBBBBBBBBBB";

    private readonly TempAppData _data = new();
    private ManualClock Clock => _data.Clock;

    public void Dispose() => _data.Dispose();

    private GalleryStore Store(params (string Key, string Value)[] settings) =>
        _data.Services((services, configuration) => services.AddTextToImageFeature(configuration), settings).GetRequiredService<GalleryStore>();

    private static NewGalleryImage Image(string prompt = "a red fox", int bytes = 100, long? seed = 42) =>
        new(prompt, "blurry", "org/sd", "local", seed, 4, 7.5, 512, 768, 3.25, "image/png", Enumerable.Range(0, bytes).Select(i => (byte)i).ToArray());

    [Fact]
    public async Task An_image_comes_back_with_its_bytes_and_what_made_it_to_its_own_browser_only()
    {
        var store = Store();

        var entry = await store.AddAsync(BrowserA, Image("a fox 🦊 in snow \ud800"));

        Assert.NotNull(entry);
        Assert.Matches("^[0-9a-f]{32}$", entry.Id);
        var (got, bytes) = (await store.GetAsync(BrowserA, entry.Id))!.Value;
        Assert.Equal(Image().Bytes, bytes);
        Assert.Equal(("a fox 🦊 in snow \ufffd", "blurry", "org/sd", "local", 42L, 4, 7.5, 512, 768, 3.25, "image/png"),
            (got.Prompt, got.NegativePrompt, got.Model, got.Provider, got.Seed, got.Steps, got.GuidanceScale, got.Width, got.Height, got.Seconds, got.ContentType));
        Assert.Equal($"/gallery/{entry.Id}", got.Url);
        Assert.Equal("a-fox-in-snow-42.png", got.FileName);
        Assert.Null(await store.GetAsync(BrowserB, entry.Id));
        Assert.Empty(await store.ListAsync(BrowserB));
        Assert.False(await store.DeleteAsync(BrowserB, entry.Id));
        Assert.Single(await store.ListAsync(BrowserA));
    }

    [Fact]
    public async Task The_list_is_newest_first_and_a_deleted_image_is_gone()
    {
        var store = Store();
        var first = await store.AddAsync(BrowserA, Image("first"));
        Clock.Advance(TimeSpan.FromMinutes(1));
        var second = await store.AddAsync(BrowserA, Image("second"));

        Assert.Equal(["second", "first"], (await store.ListAsync(BrowserA)).Select(e => e.Prompt));
        Assert.True(await store.DeleteAsync(BrowserA, first!.Id));
        Assert.Equal([second!.Id], (await store.ListAsync(BrowserA)).Select(e => e.Id));
        Assert.Null(await store.GetAsync(BrowserA, first.Id));
    }

    [Fact]
    public async Task One_image_past_the_count_cap_deletes_the_browsers_oldest_and_no_one_elses()
    {
        var store = Store(("Gallery:MaxPerBrowser", "2"));
        var other = await store.AddAsync(BrowserB, Image("b's"));
        foreach (var prompt in new[] { "one", "two", "three" })
        {
            await store.AddAsync(BrowserA, Image(prompt));
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(["three", "two"], (await store.ListAsync(BrowserA)).Select(e => e.Prompt));
        Assert.NotNull(await store.GetAsync(BrowserB, other!.Id));
    }

    [Fact]
    public async Task Images_past_the_age_cap_are_neither_listed_nor_served_and_go_at_the_next_save()
    {
        var store = Store(("Gallery:MaxAgeDays", "7"));
        var old = await store.AddAsync(BrowserA, Image("old"));
        Clock.Advance(TimeSpan.FromDays(7.5));

        Assert.Empty(await store.ListAsync(BrowserA));
        Assert.Null(await store.GetAsync(BrowserA, old!.Id));
        await store.AddAsync(BrowserB, Image("new"));
        Clock.Advance(TimeSpan.FromDays(-7.5)); // back in time: the old row would be listed again had it not been deleted
        Assert.DoesNotContain(await store.ListAsync(BrowserA), e => e.Id == old.Id);
    }

    [Fact]
    public async Task The_size_caps_delete_the_oldest_per_browser_and_over_all_browsers_and_an_image_over_a_browsers_whole_allowance_is_not_kept()
    {
        const int MiB = 1024 * 1024;
        var store = Store(("Gallery:MaxMegabytesPerBrowser", "2"), ("Gallery:MaxMegabytes", "3"));

        Assert.Null(await store.AddAsync(BrowserA, Image("huge", 2 * MiB + 1)));
        await store.AddAsync(BrowserA, Image("a1", MiB));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.AddAsync(BrowserA, Image("a2", MiB));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.AddAsync(BrowserA, Image("a3", MiB));
        Assert.Equal(["a3", "a2"], (await store.ListAsync(BrowserA)).Select(e => e.Prompt));

        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.AddAsync(BrowserB, Image("b1", 2 * MiB));
        // 4 MiB over all browsers, 3 allowed: the oldest of all (a2) goes.
        Assert.Equal(["a3"], (await store.ListAsync(BrowserA)).Select(e => e.Prompt));
        Assert.Equal(["b1"], (await store.ListAsync(BrowserB)).Select(e => e.Prompt));
    }
}
