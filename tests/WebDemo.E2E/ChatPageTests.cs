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

    /// <summary>The chat page with "auto" chosen: the fake router answers (the page starts on the local model).</summary>
    private async Task<IPage> OpenCloudChatAsync()
    {
        var page = await app.OpenAsync("/chat");
        await page.Locator("[data-testid=provider]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Hugging Face router" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=model]")).ToHaveTextAsync(PublishedApp.ChatModel);
        return page;
    }

    private static async Task SendAsync(IPage page, string text)
    {
        await TextArea(page, "chat-input").FillAsync(text);
        await page.ClickAsync("button[data-testid=send]");
    }

    [Fact]
    public async Task A_message_is_answered_as_markdown_with_its_provenance_and_the_conversation_is_there_after_a_reload()
    {
        var page = await OpenCloudChatAsync();

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
    public async Task Leaving_a_new_chat_while_it_answers_does_not_bring_the_visitor_back()
    {
        // The local model answers within moments: the server may finish and save before it hears of the
        // click, and its move to the conversation's address once raced the visitor's (5 tries in 8 came back).
        var page = await app.OpenAsync("/chat");
        await SendAsync(page, "Hello there");
        await page.ClickAsync("a.mud-nav-link[href='sentiment']");

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sentiment$"));
        await page.WaitForTimeoutAsync(3_000); // long enough for the answer to end and be saved
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sentiment$"));
        await Assertions.Expect(page.Locator("button[data-testid=analyze]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Stop_keeps_the_answer_so_far_and_Regenerate_writes_it_again()
    {
        var page = await OpenCloudChatAsync();
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
        var page = await OpenCloudChatAsync();
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
        var page = await OpenCloudChatAsync();
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

    [Fact]
    public async Task After_a_reload_the_conversation_is_in_the_list_and_opens_with_its_messages()
    {
        var page = await OpenCloudChatAsync();
        var marker = "reload-" + Guid.NewGuid().ToString("N")[..8];
        await SendAsync(page, FakeRouter.RepeatAfterMe + "remember " + marker);
        await Assertions.Expect(Answers(page).Last).ToContainTextAsync("remember " + marker, new() { Timeout = 30_000 });
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/chat/[0-9a-f]{32}$"));
        var address = page.Url;

        // A new chat, loaded afresh: the page is empty, and the conversation waits in the list.
        await page.GotoAsync(app.BaseUrl + "/chat");
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Assertions.Expect(page.Locator("[data-testid=message]")).ToHaveCountAsync(0);
        var listed = page.Locator("[data-testid=conversation]", new() { HasText = marker });
        await Assertions.Expect(listed).ToHaveCountAsync(1);
        await Assertions.Expect(listed.Locator("[data-testid=conversation-title]")).ToContainTextAsync(FakeRouter.RepeatAfterMe.Trim());
        // The list cuts a long title short: the whole of it shows on hover.
        await Assertions.Expect(listed.Locator("[data-testid=conversation-title]")).ToHaveAttributeAsync("title", FakeRouter.RepeatAfterMe + "remember " + marker);

        await listed.Locator("[data-testid=conversation-title]").ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(address);
        await Assertions.Expect(listed).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bactive\b"));
        await Assertions.Expect(page.Locator("[data-testid=message][data-role=user] [data-testid=message-text]")).ToHaveTextAsync(FakeRouter.RepeatAfterMe + "remember " + marker);
        await Assertions.Expect(Answers(page)).ToHaveCountAsync(1);
        await Assertions.Expect(Answers(page).Last.Locator("[data-testid=markdown]")).ToHaveTextAsync("remember " + marker);
        await Assertions.Expect(Answers(page).Last.Locator("[data-testid=provenance]")).ToContainTextAsync("prov-a");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "chat-reopened.png"), FullPage = true });
    }

    [Fact]
    public async Task A_user_message_of_xss_payloads_echoed_back_runs_nothing_loads_nothing_and_is_shown_as_text()
    {
        const string Beacon = "beacon.invalid";
        var page = await OpenCloudChatAsync();
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add($"{dialog.Type}: {dialog.Message}");
            _ = dialog.DismissAsync();
        };
        var beacons = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains(Beacon, StringComparison.OrdinalIgnoreCase))
                beacons.Add(request.Url);
        };
        string[] payloads =
        [
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(2))",
            "<script>alert(3)</script>",
            $"![b](http://{Beacon}/x.png)",
            "<svg onload=alert(4)>",
            "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==)",
            "<a href=\"data:text/html,<script>alert(6)</script>\">data link</a>",
            $"<img src=\"http://{Beacon}/raw.png\">",
            "[j](JaVaScRiPt:alert(7))",
            "[e](&#106;avascript:alert(8))",
            $"<div style=\"background:url(http://{Beacon}/bg.png)\" onmouseover=alert(9)>hover me</div>",
            $"<link rel=stylesheet href=\"http://{Beacon}/s.css\">",
            $"<video src=x onerror=alert(10)></video> <audio src=\"http://{Beacon}/a.mp3\" autoplay></audio>",
            $"<object data=\"http://{Beacon}/o\"></object> <embed src=\"http://{Beacon}/e\">",
            "<iframe srcdoc=\"<script>alert(11)</script>\"></iframe>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(12)>",
        ];
        var text = string.Join("\n\n", payloads) + "\n\nend of payloads";

        await SendAsync(page, FakeRouter.RepeatAfterMe + text);

        var answer = Answers(page).Last;
        await Assertions.Expect(answer).ToContainTextAsync("end of payloads", new() { Timeout = 60_000 });
        var markdown = answer.Locator("[data-testid=markdown]");
        await markdown.HoverAsync();
        foreach (var element in await markdown.Locator("a, div, span").AllAsync())
            await element.HoverAsync(new() { Force = true, Timeout = 2_000 });
        await page.WaitForTimeoutAsync(1_000);

        Assert.Empty(dialogs);
        Assert.Empty(beacons);
        // The model's text (the rest of the row has the page's own icons, inline svg).
        Assert.Equal(0, await markdown.Locator("script, img, svg, iframe, object, embed, video, audio, link, style, math, [style]").CountAsync());
        var handlers = await markdown.EvaluateAsync<string[]>(
            "root => [...root.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => /^on/i.test(a.name)).map(a => e.tagName + ' ' + a.name))");
        Assert.Empty(handlers);
        var hrefs = await markdown.EvaluateAsync<string[]>(
            "root => [...root.querySelectorAll('[href], [src], [action], [formaction]')].map(e => e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action') ?? e.getAttribute('formaction'))");
        // A link whose address was removed leads nowhere, and does not look like a link.
        var deadLinks = await markdown.EvaluateAsync<string[]>(
            "root => [...root.querySelectorAll('a:not([href])')].map(a => a.textContent + ': ' + getComputedStyle(a).textDecorationLine)");
        Assert.NotEmpty(deadLinks); // "x", "d", "j", "e"
        Assert.All(deadLinks, link => Assert.EndsWith(": none", link, StringComparison.Ordinal));
        Assert.DoesNotContain(hrefs, h => h.Trim().StartsWith("javascript:", StringComparison.OrdinalIgnoreCase) || h.Trim().StartsWith("data:", StringComparison.OrdinalIgnoreCase));
        // The user's own message is the text it is, with no element made of it.
        var user = page.Locator("[data-testid=message][data-role=user] [data-testid=message-text]").Last;
        Assert.Equal(FakeRouter.RepeatAfterMe + text, (await user.InnerTextAsync()).ReplaceLineEndings("\n"));
        Assert.Equal(0, await user.Locator("*").CountAsync());
        await page.EvaluateAsync("() => window.scrollTo(0, 0)"); // hovering scrolled: the fixed app bar would land mid-picture
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "chat-xss-echo.png"), FullPage = true });

        // Opened again from the store, it is as harmless.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Assertions.Expect(Answers(page).Last).ToContainTextAsync("end of payloads");
        await page.WaitForTimeoutAsync(500);
        Assert.Empty(dialogs);
        Assert.Empty(beacons);
        Assert.Equal(0, await Answers(page).Last.Locator("[data-testid=markdown]").Locator("script, img, svg, iframe, [onerror], [onload], [onmouseover]").CountAsync());
    }

    [Fact]
    public async Task The_largest_message_the_page_allows_is_answered_without_dropping_the_connection()
    {
        var page = await OpenCloudChatAsync();
        await page.EvaluateAsync(@"() => {
            window.__reconnect = [];
            const modal = document.getElementById('components-reconnect-modal');
            new MutationObserver(() => { if (/components-reconnect-(show|failed|rejected)/.test(modal.className)) window.__reconnect.push(modal.className); })
                .observe(modal, { attributes: true });
        }");
        var input = TextArea(page, "chat-input");
        // Chat:MaxCharacters, as the published app is configured (its default): the text box holds no more.
        var largest = int.Parse(await input.GetAttributeAsync("maxlength") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(100_000, largest);
        var filler = string.Concat(Enumerable.Repeat("All work and no play makes Jack a dull boy. ", largest / 40 + 1));
        var text = FakeRouter.RepeatAfterMe + filler[..(largest - FakeRouter.RepeatAfterMe.Length - 4)] + " END";
        Assert.Equal(largest, text.Length);

        await input.FillAsync(text + " and more past the limit");
        Assert.Equal(largest, (await input.InputValueAsync()).Length);
        await page.ClickAsync("button[data-testid=send]");

        var answer = Answers(page).Last;
        await Assertions.Expect(answer.Locator("[data-testid=provenance]")).ToContainTextAsync("prov-a", new() { Timeout = 180_000 });
        // The whole text came back (compared here: a failed expectation would print 100,000 characters).
        var echoed = (await answer.Locator("[data-testid=markdown]").InnerTextAsync()).Trim();
        Assert.True(echoed == text[FakeRouter.RepeatAfterMe.Length..], $"The answer is {echoed.Length:N0} characters, ending \"{echoed[^Math.Min(40, echoed.Length)..]}\".");
        await Assertions.Expect(page.Locator("[data-testid=save-problem]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync();
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__reconnect"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(PublishedApp.ScreenshotDir, "chat-largest-message.png"), Timeout = 120_000 });
    }
}
