using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

[Collection(AppCollection.Name)]
public class AppShellTests(PublishedApp app)
{
    [Fact]
    public async Task The_published_app_serves_its_pages_and_assets()
    {
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };

        foreach (var path in new[] { "/", "/sentiment", "/status", "/_framework/blazor.web.js", "/_content/MudBlazor/MudBlazor.min.css", "/app.css", "/favicon.svg" })
            Assert.True((await http.GetAsync(path)).IsSuccessStatusCode, path);
        Assert.Contains("execution provider: CPU", app.Output);
    }

    [Fact]
    public async Task The_drawer_lists_the_working_task_pages()
    {
        var page = await app.OpenAsync("/");

        var nav = page.Locator(".mud-navmenu");
        await Assertions.Expect(nav).ToContainTextAsync("Sentiment");
        await Assertions.Expect(nav).ToContainTextAsync("Status");
        await page.ClickAsync(".mud-navmenu >> text=Sentiment");
        await Assertions.Expect(page).ToHaveURLAsync(app.BaseUrl + "/sentiment");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "home-to-sentiment.png") });
    }

    [Fact]
    public async Task The_theme_toggle_switches_between_light_and_dark()
    {
        var page = await app.OpenAsync("/");
        var background = () => page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        var before = await background();

        await page.ClickAsync("[data-testid=theme-toggle]");

        await page.WaitForFunctionAsync($"getComputedStyle(document.body).backgroundColor !== '{before}'");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "home-dark.png") });
    }

    [Fact]
    public async Task The_status_page_shows_models_provider_and_token_state()
    {
        // Use the model first so the Status page has something loaded to show.
        var sentiment = await app.OpenAsync("/sentiment");
        await sentiment.FillAsync("textarea", "fine");
        await sentiment.ClickAsync("button[data-testid=analyze]");
        await Assertions.Expect(sentiment.Locator("[data-testid=result]")).ToHaveCountAsync(1, new() { Timeout = 60_000 });

        using (var http = new HttpClient())
            (await http.PostAsync(app.BaseUrl + $"/hf-inference/models/{PublishedApp.CloudModel}",
                new StringContent("""{"inputs": "good"}""", System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        var page = await app.OpenAsync("/status");

        await Assertions.Expect(page.Locator("[data-testid=execution-provider]")).ToContainTextAsync("CPU");
        await Assertions.Expect(page.Locator("[data-testid=token-status]")).ToContainTextAsync("configured");
        await Assertions.Expect(page.Locator("[data-testid=token-status]")).ToContainTextAsync("HF_TOKEN environment variable");
        await Assertions.Expect(page.Locator("[data-testid=cloud-status]")).ToContainTextAsync("available");
        Assert.DoesNotContain(PublishedApp.Token, await page.ContentAsync());
        await Assertions.Expect(page.Locator("[data-testid=circuits]")).ToContainTextAsync("hf-inference: up");
        var models = page.Locator("[data-testid=models]");
        await Assertions.Expect(models).ToContainTextAsync(TestPaths.SentimentRepoId);
        await Assertions.Expect(models).ToContainTextAsync("onnx/model.onnx");
        await Assertions.Expect(models).ToContainTextAsync(SentimentModel.Current.OnnxSizeText); // 8.0 MiB trained, 211.8 KiB tiny
        await Assertions.Expect(models).ToContainTextAsync("loaded");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "status.png"), FullPage = true });
    }
}
