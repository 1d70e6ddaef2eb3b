using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

/// <summary>
/// The Compare page in chromium: the local chat model, auto and a named provider of the fake router,
/// measured side by side; failures by kind; the table, the charts, the CSV; the comparison saved,
/// reopened and set beside another; Stop keeps what finished.
/// </summary>
[Collection(AppCollection.Name)]
public class ComparePageTests(PublishedApp app)
{
    private static ILocator Input(IPage page, string testId) => page.Locator($":is(input[data-testid={testId}], [data-testid={testId}] input)");

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        await Input(page, testId).FillAsync(value);
        await Input(page, testId).BlurAsync();
    }

    private static ILocator Target(IPage page, string label) =>
        page.Locator($":is(input[data-testid='target-{label}'], [data-testid='target-{label}'] input)");

    private static ILocator Row(IPage page, string target) =>
        page.Locator("[data-testid=summary] [data-testid=summary-row]", new() { Has = page.Locator("[data-testid=summary-target]", new() { HasTextString = target }) });

    [Fact]
    public async Task Three_targets_are_measured_side_by_side_with_failures_by_kind_exported_saved_and_reopened()
    {
        var page = await app.OpenAsync("/compare", width: 1400, height: 1000);
        var local = $"local · {TestPaths.LlamaRepoId}";
        await Assertions.Expect(Target(page, local)).ToBeCheckedAsync();
        await Assertions.Expect(Target(page, "auto")).ToBeCheckedAsync();
        await Target(page, "prov-a").CheckAsync();
        await Target(page, "prov-b").CheckAsync();
        await FillAsync(page, "runs", "3");
        await FillAsync(page, "concurrency", "2");
        await FillAsync(page, "warmup", "1");
        await FillAsync(page, "max-new-tokens", "8");
        // prov-b's first measured run is refused for want of credits (the warm-up takes the first answer; a 402 is not retried).
        app.Router.Enqueue("prov-b", new Fault.SlowFirstByte(TimeSpan.Zero), new Fault.Status(402, "{\"error\":\"pay first\"}"));

        await page.ClickAsync("button[data-testid=run]");

        await Assertions.Expect(page.Locator("[data-testid=progress]")).ToContainTextAsync("12 of 12 measured runs", new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=summary] [data-testid=summary-row]")).ToHaveCountAsync(4);
        await Assertions.Expect(Row(page, "prov-a")).ToContainTextAsync("3 / 0");
        await Assertions.Expect(Row(page, local)).ToContainTextAsync("3 / 0");
        await Assertions.Expect(Row(page, "auto")).ToContainTextAsync("3 / 0");
        await Assertions.Expect(Row(page, "auto").Locator("[data-testid=served-by]")).ToContainTextAsync("prov-a × 3");
        await Assertions.Expect(Row(page, "prov-b")).ToContainTextAsync("2 / 1");
        await Assertions.Expect(Row(page, "prov-b")).ToContainTextAsync("PaymentRequired × 1");
        // Beside the figures, what the router's catalogue claims of the named providers.
        await Assertions.Expect(Row(page, "prov-b").Locator("[data-testid=claims]")).ToHaveTextAsync("$0.10 / $0.30 per M");
        await Assertions.Expect(page.Locator("[data-testid=catalogue-row-prov-a]")).ToContainTextAsync("123.4 tokens/s");
        await Assertions.Expect(page.Locator("[data-testid=box-plot]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=first-result-chart] svg")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=tokens-chart] svg")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "compare.png"), FullPage = true });

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=download-csv]"));
        var csv = (await File.ReadAllLinesAsync(await download.PathAsync())).Where(l => l.Length > 0).ToList();
        Assert.StartsWith("target,sequence,warmup,cold,", csv[0]);
        Assert.Equal(1 + 4 * 4, csv.Count);
        Assert.Contains(csv, l => l.StartsWith("prov-b,", StringComparison.Ordinal) && l.EndsWith(",failed,PaymentRequired", StringComparison.Ordinal));
        Assert.Equal(4, csv.Count(l => l.StartsWith("auto,", StringComparison.Ordinal) && l.Contains(",prov-a,ok,", StringComparison.Ordinal))); // the warm-up too
        Assert.Single(csv, l => l.StartsWith("auto,1,True,True,", StringComparison.Ordinal));

        // Saved when it ended: reopened from its address, it shows the same table.
        var entry = page.Locator("[data-testid=saved-entry]").First;
        await Assertions.Expect(entry).ToContainTextAsync("chat · " + PublishedApp.ChatModel);
        await entry.Locator("a").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/compare/[0-9a-f]{32}$"));
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Assertions.Expect(page.Locator("[data-testid=reopened]")).ToContainTextAsync("Saved");
        await Assertions.Expect(Row(page, "prov-b")).ToContainTextAsync("PaymentRequired × 1");
        await Assertions.Expect(Target(page, "prov-b")).ToBeCheckedAsync();

        // Every run is this browser's usage, marked as the Compare page's (the store writes in the background).
        var calls = page.Locator("[data-testid=usage-mine-calls] tr", new() { HasTextString = "compare" });
        for (var attempt = 0; attempt < 20 && await calls.CountAsync() < 16; attempt++)
        {
            await page.GotoAsync(app.BaseUrl + "/usage");
            await page.WaitForSelectorAsync("[data-interactive=true]");
        }
        Assert.Equal(16, await calls.CountAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "usage.png"), FullPage = true });
        await Assertions.Expect(calls.Filter(new() { HasTextString = "prov-b" })).ToHaveCountAsync(4);
    }

    [Fact]
    public async Task Stop_keeps_the_runs_that_finished_and_the_comparison_can_be_set_beside_another()
    {
        var page = await app.OpenAsync("/compare", width: 1400, height: 1000);
        await Target(page, $"local · {TestPaths.LlamaRepoId}").UncheckAsync();
        await Target(page, "auto").UncheckAsync();
        await Target(page, "prov-a").CheckAsync();
        await FillAsync(page, "runs", "50");
        await FillAsync(page, "warmup", "0");
        await FillAsync(page, "max-new-tokens", "8");
        await Input(page, "use-examples").CheckAsync(); // the runs cycle through chat's examples
        // A second a run: the 50 runs take about 50 s, so Stop lands while they go on.
        app.Router.Break("prov-a", new Fault.SlowFirstByte(TimeSpan.FromSeconds(1)));
        try
        {
            await page.ClickAsync("button[data-testid=run]");
            // At least two runs done (the count is read by pattern: on a slow machine the table may skip any one value).
            await Assertions.Expect(Row(page, "prov-a").Locator("td").Nth(1)).ToHaveTextAsync(
                new System.Text.RegularExpressions.Regex(@"^\s*([2-9]|[1-9][0-9]) / 0\s*$"), new() { Timeout = 60_000 });
            await page.ClickAsync("button[data-testid=stop]");
            await Assertions.Expect(page.Locator("[data-testid=progress]")).ToContainTextAsync("(stopped)", new() { Timeout = 30_000 });
        }
        finally
        {
            app.Router.Heal("prov-a");
        }
        var ok = int.Parse((await Row(page, "prov-a").Locator("td").Nth(1).InnerTextAsync()).Split('/')[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(ok, 2, 49);
        Assert.Contains(app.Router.Requests, r => r.Provider == "prov-a" && r.Body.Contains("Give three tips for writing a clear commit message.", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("[data-testid=saved-entry]").First).ToContainTextAsync("stopped");

        // A second, shorter one, then the stopped one beside it.
        await FillAsync(page, "runs", "1");
        await page.ClickAsync("button[data-testid=run]");
        await Assertions.Expect(page.Locator("[data-testid=progress]")).ToContainTextAsync("1 of 1 measured runs", new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "compare-two-saved.png"), FullPage = true });
        await page.Locator("[data-testid=saved-entry]", new() { HasTextString = "stopped" }).First.Locator("[data-testid=beside]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=beside-summary] [data-testid=summary-row]")).ToContainTextAsync($"{ok} / 0");
    }

    [Fact]
    public async Task Settings_past_the_limits_get_a_clear_error_and_nothing_runs()
    {
        var page = await app.OpenAsync("/compare");
        await FillAsync(page, "runs", "50");
        await FillAsync(page, "concurrency", "8");

        await page.ClickAsync("button[data-testid=run]");

        await Assertions.Expect(page.Locator("[data-testid=error]")).ToContainTextAsync("Runs × concurrency may be at most 200 (50 × 8 = 400).");
        await Assertions.Expect(page.Locator("[data-testid=hint]")).ToBeVisibleAsync();
    }
}
