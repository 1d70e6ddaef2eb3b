using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

/// <summary>The provider picker, against the fake router: a named provider answers, and failover shows on the page.</summary>
[Collection(AppCollection.Name)]
public class ProviderPickerTests(PublishedApp app)
{
    private static async Task PickProviderAsync(IPage page, string provider)
    {
        await page.Locator("[data-testid=provider]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = provider }).First.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=model]")).ToHaveTextAsync(PublishedApp.CloudModel);
    }

    [Fact]
    public async Task The_picker_lists_local_auto_and_the_live_providers()
    {
        var page = await app.OpenAsync("/sentiment");

        await page.Locator("[data-testid=provider]").ClickAsync();

        var items = page.Locator(".mud-popover-open .mud-list-item");
        await Assertions.Expect(items.Locator("[data-testid=provider-name]")).ToHaveTextAsync(["Local", "auto", "hf-inference", "prov-b"]);
        await Assertions.Expect(items.Locator("[data-testid=provider-backend]"))
            .ToHaveTextAsync(["this machine", "Hugging Face router", "Inference Provider", "Inference Provider"]);
    }

    [Fact]
    public async Task A_named_provider_answers_and_the_page_says_so()
    {
        var page = await app.OpenAsync("/sentiment");
        await PickProviderAsync(page, "hf-inference");

        await page.FillAsync("textarea", "What a great day\nWhat a dull evening");
        await page.ClickAsync("button[data-testid=analyze]");

        var results = page.Locator("[data-testid=result]");
        await Assertions.Expect(results).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Assertions.Expect(results.Nth(0).Locator("[data-testid=label]")).ToHaveTextAsync("POSITIVE");
        await Assertions.Expect(results.Nth(1).Locator("[data-testid=label]")).ToHaveTextAsync("NEGATIVE");
        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync("hf-inference");
        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync(PublishedApp.CloudModel);
    }

    [Fact]
    public async Task A_failing_chosen_provider_is_not_replaced_unless_the_user_turns_failover_on_and_then_the_failure_is_shown()
    {
        app.Router.Break("hf-inference", new Fault.Status(500));
        try
        {
            var page = await app.OpenAsync("/sentiment");
            await PickProviderAsync(page, "hf-inference");
            await page.FillAsync("textarea", "I love it");
            var askedB = app.Router.CountFor("prov-b");
            await page.ClickAsync("button[data-testid=analyze]");

            // Strict by default, as the HF clients are: the chosen provider's failure is the answer.
            await Assertions.Expect(page.Locator("[data-testid=error]")).ToContainTextAsync("hf-inference", new() { Timeout = 30_000 });
            Assert.Equal(askedB, app.Router.CountFor("prov-b"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "sentiment-explicit-provider-failed.png"), FullPage = true });

            await page.Locator(":is(input[data-testid=failover], [data-testid=failover] input)").CheckAsync();
            await page.ClickAsync("button[data-testid=analyze]");

            await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync("prov-b", new() { Timeout = 30_000 });
            var attempts = page.Locator("[data-testid=attempts]");
            await Assertions.Expect(attempts).ToContainTextAsync("hf-inference failed (HTTP 500)");
            await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "sentiment-failover.png"), FullPage = true });
        }
        finally
        {
            app.Router.Heal("hf-inference");
        }
    }

    [Fact]
    public async Task The_token_never_reaches_the_page_or_the_log()
    {
        var page = await app.OpenAsync("/sentiment");
        await PickProviderAsync(page, "auto");
        await page.FillAsync("textarea", "good");
        await page.ClickAsync("button[data-testid=analyze]");
        await Assertions.Expect(page.Locator("[data-testid=provenance]")).ToContainTextAsync("hf-inference", new() { Timeout = 30_000 });

        Assert.Contains(app.Router.Requests, r => r.Authorization == "Bearer " + PublishedApp.Token);
        Assert.DoesNotContain(PublishedApp.Token, await page.ContentAsync());
        Assert.DoesNotContain(PublishedApp.Token, app.Output);
    }
}
