using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

/// <summary>Flag, as on a Gradio Space: a visitor flags a result with a comment and the operator finds the row.</summary>
[Collection(AppCollection.Name)]
public class FlagTests(PublishedApp app)
{
    [Theory]
    [InlineData(1280, 800, false)]
    [InlineData(1280, 800, true)]
    [InlineData(390, 844, false)]
    [InlineData(390, 844, true)]
    public async Task A_flagged_result_is_stored_with_its_comment_inputs_and_provenance(int width, int height, bool dark)
    {
        var page = await app.OpenAsync("/sentiment", dark, width, height);
        var text = SentimentModel.Current.PositiveText;
        var comment = $"Wrong label? 🤔 ({width}×{height}, {(dark ? "dark" : "light")})";
        var flag = page.Locator("button[data-testid=flag]");
        await Assertions.Expect(flag).ToBeDisabledAsync(); // nothing to flag yet

        await page.FillAsync("textarea", text);
        await page.ClickAsync("button[data-testid=analyze]");
        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var shown = await page.Locator("[data-testid=label]").TextContentAsync();
        await flag.ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog.Locator("textarea")).ToBeVisibleAsync();
        await dialog.Locator("textarea").FillAsync(comment);
        await page.ScreenshotAsync(new() { Path = Screenshot("flag-dialog", width, height, dark) });
        await dialog.Locator("button[data-testid=flag-submit]").ClickAsync();

        // The first flag of the app compiles its queries: on a loaded machine that takes seconds.
        await Assertions.Expect(dialog.Locator("[data-testid=flag-thanks]")).ToContainTextAsync("Thanks, flagged", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Screenshot("flag-thanks", width, height, dark) });
        await dialog.Locator("button[data-testid=flag-close]").ClickAsync();
        await Assertions.Expect(flag).ToHaveTextAsync("Flagged");
        await Assertions.Expect(flag).ToBeDisabledAsync();

        var row = await FlagWithCommentAsync(comment);
        var browserId = (await page.Context.CookiesAsync()).Single(c => c.Name == "webdemo_browser").Value;
        Assert.Equal("text-classification", row.GetProperty("task").GetString());
        Assert.Equal(TestPaths.SentimentRepoId, row.GetProperty("model").GetString());
        Assert.Equal(text, row.GetProperty("inputs").GetProperty("inputs")[0].GetString());
        Assert.Equal(shown, row.GetProperty("output")[0].GetProperty("labels")[0].GetProperty("label").GetString());
        Assert.Equal("local", row.GetProperty("provenance").GetProperty("provider").GetString());
        Assert.Equal(browserId, row.GetProperty("browserId").GetString());
        Assert.True(width > 400 || await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= width);
    }

    private static string Screenshot(string name, int width, int height, bool dark) =>
        Path.Combine(PublishedApp.ScreenshotDir, $"{name}-{width}x{height}-{(dark ? "dark" : "light")}.png");

    /// <summary>The operator's view of the flag, through GET /operator/flags as the README shows it.</summary>
    private async Task<JsonElement> FlagWithCommentAsync(string comment)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PublishedApp.OperatorToken);
        using var list = JsonDocument.Parse(await http.GetStringAsync(app.BaseUrl + "/operator/flags?limit=1000"));
        return list.RootElement.GetProperty("flags").EnumerateArray().Single(f => f.GetProperty("comment").GetString() == comment).Clone();
    }
}
