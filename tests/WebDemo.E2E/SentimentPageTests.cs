using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

[Collection(AppCollection.Name)]
public class SentimentPageTests(PublishedApp app)
{
    [Fact]
    public async Task Two_typed_lines_each_get_their_label()
    {
        var page = await app.OpenAsync("/sentiment");
        var model = SentimentModel.Current;

        await page.FillAsync("textarea", model.PositiveText + "\n" + model.NegativeText);
        await page.ClickAsync("button[data-testid=analyze]");

        var results = page.Locator("[data-testid=result]");
        await Assertions.Expect(results).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        await Assertions.Expect(results.Nth(0).Locator("[data-testid=label]")).ToHaveTextAsync("POSITIVE");
        await Assertions.Expect(results.Nth(1).Locator("[data-testid=label]")).ToHaveTextAsync("NEGATIVE");
        var provenance = page.Locator("[data-testid=provenance]");
        await Assertions.Expect(provenance).ToContainTextAsync("local · CPU");
        await Assertions.Expect(provenance).ToContainTextAsync(TestPaths.SentimentRepoId);
        await Assertions.Expect(provenance).ToContainTextAsync("total");

        await results.Nth(1).Locator("[data-testid=expand]").ClickAsync();
        await Assertions.Expect(results.Nth(1).Locator("[data-testid=all-scores]")).ToContainTextAsync("POSITIVE");
        await Assertions.Expect(results.Nth(1).Locator("[data-testid=all-scores]")).ToContainTextAsync("NEGATIVE");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "sentiment.png"), FullPage = true });
    }

    [Fact]
    public async Task Clicking_an_example_fills_the_text_and_shows_its_result()
    {
        var page = await app.OpenAsync("/sentiment");

        const string example = "I love this movie, the acting was wonderful!";

        await page.Locator("[data-testid=example]").First.ClickAsync();
        await Assertions.Expect(page.Locator("textarea")).ToHaveValueAsync(example);

        var result = page.Locator("[data-testid=result]");
        await Assertions.Expect(result).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        // POSITIVE with the trained model; the tiny random-weight model says NEGATIVE (its labels mean nothing, but are exact).
        await Assertions.Expect(result.Locator("[data-testid=label]")).ToHaveTextAsync(SentimentModel.Current.LabelOf(example));
    }

    [Fact]
    public async Task Empty_input_gets_a_clear_message()
    {
        var page = await app.OpenAsync("/sentiment");

        await page.ClickAsync("button[data-testid=analyze]");

        await Assertions.Expect(page.Locator("[data-testid=error]")).ToContainTextAsync("Enter at least one text");
        await Assertions.Expect(page.Locator("[data-testid=result]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_line_over_the_token_limit_is_analyzed_and_flagged()
    {
        var page = await app.OpenAsync("/sentiment");

        await page.FillAsync("textarea", string.Join(' ', Enumerable.Repeat("wonderful", 700)));
        await page.ClickAsync("button[data-testid=analyze]");

        await Assertions.Expect(page.Locator("[data-testid=truncation-warning]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=truncated]")).ToBeVisibleAsync();
    }
}
