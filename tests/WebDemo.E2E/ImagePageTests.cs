using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

/// <summary>
/// The Image page on the local model (the tiny Stable Diffusion pipeline, downloaded from the test
/// hub): the step counter and the preview move while it works, the image arrives with its
/// provenance and seed, downloads as a PNG and lands in the gallery; Stop ends it part-way.
/// </summary>
[Collection(AppCollection.Name)]
public class ImagePageTests(PublishedApp app)
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static ILocator Input(IPage page, string testId) => page.Locator($":is(input[data-testid={testId}], [data-testid={testId}] input)");

    private static ILocator TextArea(IPage page, string testId) => page.Locator($":is(textarea[data-testid={testId}], [data-testid={testId}] textarea)");

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        await Input(page, testId).FillAsync(value);
        await Input(page, testId).BlurAsync();
    }

    [Fact]
    public async Task A_local_image_shows_its_steps_and_preview_then_the_image_which_downloads_and_joins_the_gallery()
    {
        var page = await app.OpenAsync("/image");
        await Assertions.Expect(page.Locator("[data-testid=provider]")).ToContainTextAsync("Local");
        await TextArea(page, "prompt").FillAsync("A lighthouse on a cliff at sunset, oil painting");
        // The tiny pipeline draws at most 128 px (twice its trained 64); many steps make its work last long enough to watch.
        await FillAsync(page, "width", "128");
        await FillAsync(page, "height", "128");
        await FillAsync(page, "steps", "400");
        await FillAsync(page, "seed", "1234");

        await page.ClickAsync("button[data-testid=run]");

        // The step counter and its ETA move, and a preview shows the work in progress.
        await Assertions.Expect(page.Locator("[data-testid=progress]")).ToContainTextAsync("of 400", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=progress]")).ToContainTextAsync("left");
        await Assertions.Expect(page.Locator("[data-testid=preview] img")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var firstPreview = await page.Locator("[data-testid=preview] img").GetAttributeAsync("alt");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "image-progress.png") });
        await Assertions.Expect(page.Locator("[data-testid=preview] img")).Not.ToHaveAttributeAsync("alt", firstPreview!, new() { Timeout = 60_000 });

        await Assertions.Expect(page.Locator("[data-testid=result-image]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=seed-used]")).ToHaveTextAsync("Seed 1234");
        await Assertions.Expect(page.Locator("[data-testid=image-details]")).ToContainTextAsync("128 × 128 · 400 steps");
        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync("local");
        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync(TestPaths.StableDiffusionRepoId);
        await Assertions.Expect(page.Locator("[data-testid=result-image]")).ToHaveJSPropertyAsync("naturalWidth", 128);
        await Assertions.Expect(page.Locator("[data-testid=gallery-item]").First).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "image-local.png"), FullPage = true });

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=download]"));
        Assert.Equal("a-lighthouse-on-a-cliff-at-1234.png", download.SuggestedFilename);
        var path = await download.PathAsync();
        Assert.Equal(PngSignature, (await File.ReadAllBytesAsync(path))[..8]);
    }

    [Fact]
    public async Task Auto_sends_it_to_the_models_provider_and_the_page_says_which()
    {
        var page = await app.OpenAsync("/image");
        await page.Locator("[data-testid=provider]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Hugging Face router" }).ClickAsync();
        // Two cloud image models (this one and the configured SDXL): a model choice, this one first.
        await Assertions.Expect(page.Locator("[data-testid=model-select]")).ToContainTextAsync(PublishedApp.ImageModel);
        await TextArea(page, "prompt").FillAsync("A lighthouse, from the cloud");

        await page.ClickAsync("button[data-testid=run]");

        await Assertions.Expect(page.Locator("[data-testid=result-image]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync("hf-inference");
        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync(PublishedApp.ImageModel);
        await Assertions.Expect(page.Locator("[data-testid=result-image]")).ToHaveJSPropertyAsync("naturalWidth", 1);
        var request = Assert.Single(app.Router.Requests, r => r.Provider == "hf-inference" && r.Body.Contains("A lighthouse, from the cloud", StringComparison.Ordinal));
        Assert.Contains("\"seed\"", request.Body, StringComparison.Ordinal); // the page always sends a seed, so the image can be made again
    }

    [Fact]
    public async Task Stop_ends_the_run_between_steps_and_says_so()
    {
        var page = await app.OpenAsync("/image");
        await TextArea(page, "prompt").FillAsync("A red fox sleeping in fresh snow");
        await FillAsync(page, "width", "128");
        await FillAsync(page, "height", "128");
        await FillAsync(page, "steps", "999");

        await page.ClickAsync("button[data-testid=run]");
        await Assertions.Expect(page.Locator("[data-testid=progress]")).ToContainTextAsync("of 999", new() { Timeout = 60_000 });
        await page.ClickAsync("button[data-testid=stop]");

        await Assertions.Expect(page.GetByText("Stopped")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=result-image]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("button[data-testid=run]")).ToBeEnabledAsync();
    }

    [Fact]
    public async Task A_size_that_is_not_a_multiple_of_8_is_refused_on_the_page()
    {
        var page = await app.OpenAsync("/image");
        await TextArea(page, "prompt").FillAsync("A lighthouse");
        await FillAsync(page, "width", "100");

        await page.ClickAsync("button[data-testid=run]");

        await Assertions.Expect(page.GetByText("\"width\" must be a multiple of 8")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }
}
