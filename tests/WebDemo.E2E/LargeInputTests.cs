using Microsoft.Playwright;

namespace WebDemo.E2E;

/// <summary>The largest input the page allows travels over the circuit: SignalR's 32 KB default once cut it at about 16,400 characters.</summary>
[Collection(AppCollection.Name)]
public class LargeInputTests(PublishedApp app)
{
    [Fact]
    public async Task Every_line_at_the_longest_the_page_allows_is_analyzed_without_dropping_the_connection()
    {
        var page = await app.OpenAsync("/sentiment");
        // The defaults: 64 lines of up to 20,000 characters.
        var line = string.Concat(Enumerable.Repeat("a gorgeous , witty , seductive movie . ", 600))[..20_000];
        var text = string.Join('\n', Enumerable.Repeat(line, 64));

        await page.FillAsync("textarea", text, new() { Timeout = 180_000 });
        // Sending 1.3 MB over the circuit, the server's render and chromium painting the text box
        // take a long while when the other test projects run beside this one on two cores (CI
        // once needed more than a minute): generous limits.
        await Assertions.Expect(page.GetByText("64 of at most 64 lines")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "sentiment-largest-input.png"), Timeout = 180_000 });
        await page.ClickAsync("button[data-testid=analyze]");

        await Assertions.Expect(page.Locator("[data-testid=result]")).ToHaveCountAsync(64, new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=truncation-warning]")).ToContainTextAsync("64 lines were");
        await Assertions.Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync();
        Assert.Equal(text.Length, (await page.InputValueAsync("textarea", new() { Timeout = 180_000 })).Length);
    }

    [Fact]
    public async Task A_browser_busy_for_longer_than_signalrs_default_timeout_after_a_paste_keeps_the_paste()
    {
        var page = await app.OpenAsync("/sentiment");
        var disconnects = new List<string>();
        page.Console += (_, message) => { if (message.Text.Contains("disconnected", StringComparison.OrdinalIgnoreCase)) disconnects.Add(message.Text); };
        // What a slow machine laying out a large paste does: the page's thread is busy for 40 s
        // right after the text arrives (SignalR's default 30 s timeout once dropped the circuit
        // there, and the paste with it).
        await page.EvaluateAsync("""
            () => document.querySelector('textarea').addEventListener('input',
                () => setTimeout(() => { const start = Date.now(); while (Date.now() - start < 40000) { } }), { once: true })
            """);

        await page.FillAsync("textarea", "first line\nsecond line", new() { Timeout = 90_000 });

        await Assertions.Expect(page.GetByText("2 of at most 64 lines")).ToBeVisibleAsync(new() { Timeout = 90_000 });
        Assert.Empty(disconnects);
        await page.ClickAsync("button[data-testid=analyze]");
        await Assertions.Expect(page.Locator("[data-testid=result]")).ToHaveCountAsync(2, new() { Timeout = 60_000 });
    }

    [Fact]
    public async Task The_text_box_holds_no_more_than_the_page_allows_and_says_its_limits()
    {
        var page = await app.OpenAsync("/sentiment");

        await Assertions.Expect(page.Locator("textarea")).ToHaveAttributeAsync("maxlength", (64 * 20_001).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByText("each up to 20,000 characters")).ToBeVisibleAsync();
    }
}
