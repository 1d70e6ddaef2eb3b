using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

/// <summary>
/// The Chat page on the local model (the tiny Llama, downloaded from the test hub): the answer is
/// transformers.js's, streamed word by word, with its provenance, speed and tokens; a conversation
/// longer than the model's context shows what was left out.
/// </summary>
[Collection(AppCollection.Name)]
public class LocalChatPageTests(PublishedApp app)
{
    private static ILocator Answers(IPage page) => page.Locator("[data-testid=message][data-role=assistant]");

    private static ILocator TextArea(IPage page, string testId) => page.Locator($":is(textarea[data-testid={testId}], [data-testid={testId}] textarea)");

    private static ILocator Input(IPage page, string testId) => page.Locator($":is(input[data-testid={testId}], [data-testid={testId}] input)");

    [Fact]
    public async Task The_local_model_answers_greedily_as_transformers_js_does_with_its_provenance()
    {
        var page = await app.OpenAsync("/chat");
        await Assertions.Expect(page.Locator("[data-testid=provider]")).ToContainTextAsync("Local");
        await page.Locator("[data-testid=settings]").ClickAsync();
        await TextArea(page, "system-prompt").FillAsync("Be brief.");
        await Input(page, "temperature").FillAsync("0");
        await Input(page, "max-tokens").FillAsync("20");
        await Input(page, "max-tokens").BlurAsync();

        await TextArea(page, "chat-input").FillAsync("What is the capital of France?");
        await page.ClickAsync("button[data-testid=send]");

        var answer = Answers(page).Last;
        // transformers.js's text-generation pipeline on the same files (tests/models/llama-tiny-random/reference.json).
        await Assertions.Expect(answer.Locator("[data-testid=markdown]")).ToContainTextAsync("fe thfe I you city%0c market.", new() { Timeout = 60_000 });
        await Assertions.Expect(answer.Locator("[data-testid=markdown]")).ToContainTextAsync("lse' Maria Myal for about city");
        await Assertions.Expect(answer.Locator("[data-testid=provenance]")).ToContainTextAsync("local");
        await Assertions.Expect(answer.Locator("[data-testid=provenance]")).ToContainTextAsync(TestPaths.LlamaRepoId);
        await Assertions.Expect(answer.Locator("[data-testid=tokens]")).ToContainTextAsync("36 tokens in · 20 out");
        await Assertions.Expect(answer).ToContainTextAsync("first result");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "chat-local.png"), FullPage = true });
    }

    [Fact]
    public async Task A_conversation_longer_than_the_local_models_context_says_what_was_left_out()
    {
        var page = await app.OpenAsync("/chat");
        await page.Locator("[data-testid=settings]").ClickAsync();
        await Input(page, "max-tokens").FillAsync("5");
        await Input(page, "max-tokens").BlurAsync();

        // The tiny Llama reads 512 tokens: a long message, then another, no longer fit together.
        var longText = string.Join(' ', Enumerable.Repeat("The farmer sold a small house because the children moved.", 30));
        for (var turn = 0; turn < 2; turn++)
        {
            await TextArea(page, "chat-input").FillAsync($"{turn}: {longText}");
            await page.ClickAsync("button[data-testid=send]");
            await Assertions.Expect(Answers(page)).ToHaveCountAsync(turn + 1, new() { Timeout = 60_000 });
        }

        await Assertions.Expect(page.Locator("[data-testid=trim-notice]")).ToContainTextAsync("left out", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "chat-local-trimmed.png"), FullPage = true });
    }
}
