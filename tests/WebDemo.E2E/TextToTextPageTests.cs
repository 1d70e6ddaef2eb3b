using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

/// <summary>
/// The Summarization and Translation pages in a browser, on the repository's tiny T5 (random
/// weights: the text means nothing, but it is the real pipeline): the text grows as tokens
/// arrive, Stop keeps what was written, the provenance counts tokens.
/// </summary>
[Collection(AppCollection.Name)]
public class TextToTextPageTests(PublishedApp app)
{
    /// <summary>Records the output's length at every change, from inside the page, so growth is seen however fast it is.</summary>
    private const string WatchOutput = """
        () => {
            window.__lengths = [];
            const observer = new MutationObserver(() => {
                const output = document.querySelector('[data-testid=output]');
                if (output) window.__lengths.push(output.textContent.length);
            });
            observer.observe(document.body, { childList: true, subtree: true, characterData: true });
        }
        """;

    /// <summary>A MudNumericField's input, whichever element carries its test id.</summary>
    private static string Field(string testId) => $":is(input[data-testid={testId}], [data-testid={testId}] input)";

    private static async Task ChooseGreedyAsync(IPage page, int maxNewTokens)
    {
        await page.ClickAsync("[data-testid=decoding] .mud-expand-panel-header");
        var greedy = page.Locator("[data-testid=decoding-mode] label").Filter(new() { HasText = "Greedy" });
        await greedy.ClickAsync();
        // On a busy machine the click can land before the panel's radios are live: wait until the choice took.
        await Assertions.Expect(greedy.Locator("input")).ToBeCheckedAsync(new() { Timeout = 30_000 });
        await page.FillAsync(Field("max-new-tokens"), maxNewTokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator(Field("max-new-tokens")).BlurAsync();
    }

    [Theory]
    [InlineData(1280, 800, false)]
    [InlineData(390, 844, true)]
    public async Task Summarization_text_grows_before_the_final_update_arrives(int width, int height, bool dark)
    {
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/summarization?provider=local&text=" + Uri.EscapeDataString("The quick brown fox jumps over the lazy dog."));
        await page.WaitForSelectorAsync("[data-interactive=true]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        // 2,000 tokens: long enough to be seen growing even where the engine writes 200 in one render.
        await ChooseGreedyAsync(page, 2000);
        await page.FillAsync(Field("min-new-tokens"), "2000");
        await page.EvaluateAsync(WatchOutput);

        await page.ClickAsync("button[data-testid=run]");

        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync("out", new() { Timeout = 60_000 });
        var lengths = await page.EvaluateAsync<int[]>("() => window.__lengths");
        Assert.True(lengths.Distinct().Count() >= 3, $"the summary should grow in steps; saw lengths {string.Join(",", lengths.Distinct())}");
        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync(TestPaths.T5RepoId);
        await Assertions.Expect(page.Locator("[data-testid=tokens]")).ToContainTextAsync("tokens in");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, $"summarization-{width}{(dark ? "-dark" : "")}.png"), FullPage = true });
        await context.CloseAsync();
    }

    [Fact]
    public async Task Stop_mid_generation_keeps_the_text_so_far()
    {
        var page = await app.OpenAsync("/summarization?provider=local&text=" + Uri.EscapeDataString("Prices rose by 3.5 percent in March."));
        await ChooseGreedyAsync(page, 4096); // seconds of work even on a fast machine (PublishedApp allows it)
        await page.FillAsync(Field("min-new-tokens"), "4096"); // no early end

        await page.ClickAsync("button[data-testid=run]");
        await page.WaitForFunctionAsync("() => (document.querySelector('[data-testid=output]')?.textContent.length ?? 0) > 0",
            null, new() { Timeout = 60_000 });
        await page.ClickAsync("button[data-testid=stop]");

        await Assertions.Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("Stopped", new() { Timeout = 30_000 });
        var kept = await page.Locator("[data-testid=output]").TextContentAsync() ?? "";
        Assert.NotEmpty(kept);
        await Task.Delay(500); // a generation that ignored Stop would keep writing
        Assert.Equal(kept, await page.Locator("[data-testid=output]").TextContentAsync());
    }

    [Fact]
    public async Task Translation_offers_the_model_s_language_pairs_and_translates()
    {
        var page = await app.OpenAsync("/translation?provider=local");
        await page.ClickAsync("[data-testid=language-pair]");
        await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(3);
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "German" }).ClickAsync();
        await page.FillAsync("textarea", "The house is wonderful.");
        // The model was loaded for its pairs, so its tokenizer counts "translate English to German: " + the text + </s>.
        await Assertions.Expect(page.Locator("[data-testid=input-size-text]"))
            .ToHaveTextAsync($"{TinyT5Reference.InputTokenCount("translate_de")} of 512 tokens · 23 of 20,000 characters");
        await ChooseGreedyAsync(page, 20);

        await page.ClickAsync("button[data-testid=run]");

        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=output]")).ToHaveTextAsync(TinyT5Reference.GreedyText("translate_de"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "translation.png"), FullPage = true });
    }
}
