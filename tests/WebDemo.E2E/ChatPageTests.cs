using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

/// <summary>The Chat page in chromium, against the fake router: streaming, Stop, Regenerate, edit, history, and untrusted Markdown.</summary>
[Collection(AppCollection.Name)]
public class ChatPageTests(PublishedApp app)
{
    private static ILocator Answers(IPage page) => page.Locator("[data-testid=message][data-role=assistant]");

    /// <summary>A MudTextField's textarea: MudBlazor puts the test id on the textarea itself.</summary>
    private static ILocator TextArea(IPage page, string testId) => page.Locator($":is(textarea[data-testid={testId}], [data-testid={testId}] textarea)");

    private static async Task SendAsync(IPage page, string text)
    {
        await TextArea(page, "chat-input").FillAsync(text);
        await page.ClickAsync("button[data-testid=send]");
    }

    [Fact]
    public async Task A_message_is_answered_as_markdown_with_its_provenance_and_the_conversation_is_there_after_a_reload()
    {
        var page = await app.OpenAsync("/chat");

        await SendAsync(page, FakeRouter.RepeatAfterMe + "Here is **bold**, a [link](https://huggingface.co) and code:\n\n```python\nprint('hi')\n```\n\n- one\n- two");

        var answer = Answers(page).Last;
        await Assertions.Expect(answer.Locator("strong")).ToHaveTextAsync("bold", new() { Timeout = 30_000 });
        await Assertions.Expect(answer.Locator("a[href='https://huggingface.co']")).ToHaveAttributeAsync("rel", "noopener noreferrer nofollow");
        await Assertions.Expect(answer.Locator("pre code")).ToHaveTextAsync("print('hi')");
        await Assertions.Expect(answer.Locator("[data-testid=copy-code]")).ToBeVisibleAsync();
        await Assertions.Expect(answer.Locator("[data-testid=provenance]")).ToContainTextAsync("auto → prov-a");
        await Assertions.Expect(answer.Locator("[data-testid=tokens]")).ToContainTextAsync("tokens in");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/chat/[0-9a-f]{32}$"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "chat.png"), FullPage = true });

        await page.ReloadAsync();
        await page.WaitForSelectorAsync("[data-interactive=true]");

        await Assertions.Expect(Answers(page).Last.Locator("strong")).ToHaveTextAsync("bold");
        await Assertions.Expect(page.Locator("[data-testid=conversation].active")).ToContainTextAsync("Repeat after me");
    }

    [Fact]
    public async Task Stop_keeps_the_answer_so_far_and_Regenerate_writes_it_again()
    {
        var page = await app.OpenAsync("/chat");
        app.Router.Enqueue("auto", new Fault.StallAfter(2, TimeSpan.FromSeconds(12)));

        await SendAsync(page, "Say hello");
        await Assertions.Expect(page.Locator("[data-testid=chat-log]")).ToContainTextAsync("Hello from", new() { Timeout = 30_000 });
        await page.ClickAsync("button[data-testid=stop]");

        await Assertions.Expect(Answers(page).Last.Locator("[data-testid=message-note]")).ToContainTextAsync("Stopped");
        await Assertions.Expect(Answers(page).Last).Not.ToContainTextAsync("prov-a!");

        await page.ClickAsync("button[data-testid=regenerate]");

        await Assertions.Expect(Answers(page)).ToHaveCountAsync(1);
        await Assertions.Expect(Answers(page).Last).ToContainTextAsync("Hello from prov-a!", new() { Timeout = 30_000 });
        await Assertions.Expect(Answers(page).Last.Locator("[data-testid=message-note]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Editing_a_user_message_sends_it_again_and_forgets_what_came_after()
    {
        var page = await app.OpenAsync("/chat");
        await SendAsync(page, FakeRouter.RepeatAfterMe + "first answer");
        await Assertions.Expect(Answers(page).Last).ToContainTextAsync("first answer", new() { Timeout = 30_000 });

        await page.Locator("[data-testid=message][data-role=user] button[data-testid=edit]").First.ClickAsync();
        await TextArea(page, "edit-input").FillAsync(FakeRouter.RepeatAfterMe + "second answer");
        await page.ClickAsync("button[data-testid=edit-send]");

        await Assertions.Expect(Answers(page).Last).ToContainTextAsync("second answer", new() { Timeout = 30_000 });
        await Assertions.Expect(Answers(page)).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=chat-log]")).Not.ToContainTextAsync("first answer");
    }

    [Fact]
    public async Task An_answer_full_of_xss_payloads_runs_nothing_and_calls_no_one()
    {
        var page = await app.OpenAsync("/chat");
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };
        var beacons = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("beacon.example", StringComparison.Ordinal))
                beacons.Add(request.Url);
        };
        const string payload = "<script>alert(1)</script> <img src=x onerror=alert(2)> <svg onload=alert(3)></svg> "
            + "[click](javascript:alert(4)) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==) "
            + "![pixel](https://beacon.example/pixel.png) <iframe src=\"https://beacon.example/frame\"></iframe> "
            + "<a href=\"https://beacon.example/x\" onmouseover=\"alert(6)\">hover</a> done";

        await SendAsync(page, FakeRouter.RepeatAfterMe + payload);

        var answer = Answers(page).Last;
        await Assertions.Expect(answer).ToContainTextAsync("done", new() { Timeout = 30_000 });
        await answer.HoverAsync();
        foreach (var link in await answer.Locator("a").AllAsync())
            await link.HoverAsync();
        await page.WaitForTimeoutAsync(500);

        Assert.Equal(0, dialogs);
        Assert.Empty(beacons);
        var markdown = answer.Locator("[data-testid=markdown]"); // the model's text (the row also has the page's own icons)
        Assert.Equal(0, await markdown.Locator("script, img, svg, iframe, [onerror], [onload], [onmouseover]").CountAsync());
        Assert.Equal(0, await markdown.Locator("a[href^='javascript:'], a[href^='data:']").CountAsync());
        // The user's own message is shown as the text it is.
        await Assertions.Expect(page.Locator("[data-testid=message][data-role=user] [data-testid=message-text]").Last).ToContainTextAsync("<script>alert(1)</script>");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "chat-xss.png"), FullPage = true });
    }
}
