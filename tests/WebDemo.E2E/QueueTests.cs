using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

/// <summary>
/// Under load, a page waits its turn and says where it stands, as a Gradio Space does. The app
/// runs one sentiment call at a time here (<see cref="PublishedApp"/>), and API clients keep it busy.
/// </summary>
[Collection(AppCollection.Name)]
public class QueueTests(PublishedApp app)
{
    [Theory]
    [InlineData(1280, 800, "queue-desktop.png")]
    [InlineData(390, 844, "queue-phone.png")]
    public async Task Under_load_the_page_shows_its_place_in_the_queue_then_its_result(int width, int height, string screenshot)
    {
        // Heavy calls: 32 long lines each, every one truncated to the model's 512 tokens.
        var lines = Enumerable.Range(0, 32).Select(i => string.Join(' ', Enumerable.Repeat($"a truly wonderful film number {i}", 120))).ToArray();
        var body = JsonSerializer.Serialize(new { inputs = lines });
        using var load = new CancellationTokenSource();
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var clients = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            while (!load.IsCancellationRequested)
            {
                try
                {
                    using var content = new StringContent(body, Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync($"/local/models/{TestPaths.SentimentRepoId}", content, load.Token);
                    statuses.Add(response.StatusCode);
                }
                catch (OperationCanceledException)
                {
                }
            }
        })).ToList();

        try
        {
            var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
            var page = await context.NewPageAsync();
            await page.GotoAsync(app.BaseUrl + "/sentiment?provider=local&text=" + Uri.EscapeDataString("Waiting my turn was worth it."));
            await page.WaitForSelectorAsync("[data-interactive=true]", new PageWaitForSelectorOptions { Timeout = 30_000 });
            await page.ClickAsync("button[data-testid=analyze]");

            // Checked every animation frame: the place shows for as long as the calls ahead take.
            await page.WaitForFunctionAsync(
                "() => /In the queue: \\d+(st|nd|rd|th) of \\d+/.test(document.querySelector('[data-testid=progress]')?.textContent ?? '')",
                null, new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = null });
            await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, screenshot), FullPage = true });

            await Assertions.Expect(page.Locator("[data-testid=result]")).ToHaveCountAsync(1, new() { Timeout = 120_000 });
            await context.CloseAsync();
        }
        finally
        {
            await load.CancelAsync();
            await Task.WhenAll(clients);
        }
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.NotEmpty(statuses);
    }
}
