using Microsoft.Playwright;

namespace WebDemo.E2E;

/// <summary>What is in a text box is what the server gets: after a dropped connection, and with text that is not well-formed UTF-16.</summary>
[Collection(AppCollection.Name)]
public class TextBoxDeliveryTests(PublishedApp app)
{
    [Fact]
    public async Task Text_sent_as_the_connection_drops_reaches_the_server_once_it_is_back()
    {
        var page = await app.OpenAsync("/sentiment");
        // Keep the page's WebSockets within reach, then load the page again with it.
        await page.AddInitScriptAsync("""
            (() => {
                window.webdemoSockets = [];
                window.WebSocket = class extends window.WebSocket {
                    constructor(...args) { super(...args); window.webdemoSockets.push(this); }
                };
            })()
            """);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("[data-interactive=true]");

        // The socket starts closing, then the text arrives: Blazor sends it on the closing socket,
        // which drops it, so the server has no text when the circuit reconnects.
        await page.EvaluateAsync("""
            () => {
                window.webdemoSockets.forEach(socket => socket.close());
                const box = document.querySelector('textarea');
                box.value = 'first line\nsecond line';
                box.dispatchEvent(new Event('input', { bubbles: true }));
            }
            """);

        await Assertions.Expect(page.GetByText("2 of at most 64 lines")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.ClickAsync("button[data-testid=analyze]");
        await Assertions.Expect(page.Locator("[data-testid=result]")).ToHaveCountAsync(2, new() { Timeout = 60_000 });
    }

    [Fact]
    public async Task Half_an_emoji_in_the_text_box_becomes_a_replacement_character_and_the_text_still_arrives()
    {
        var page = await app.OpenAsync("/sentiment");
        // A lone surrogate (the first half of 🎉) once made the server refuse the whole input event:
        // the box showed the text and Analyze said there was none.
        await page.Locator("textarea").EvaluateAsync("""
            box => {
                box.value = 'a great film \uD83C\nthe ending \uDF89 was dull\ncafé 👩‍👩‍👧';
                box.dispatchEvent(new Event('input', { bubbles: true }));
            }
            """);

        await Assertions.Expect(page.GetByText("3 of at most 64 lines")).ToBeVisibleAsync();
        Assert.Equal("a great film \uFFFD\nthe ending \uFFFD was dull\ncafé 👩‍👩‍👧", await page.InputValueAsync("textarea"));
        await page.ClickAsync("button[data-testid=analyze]");
        await Assertions.Expect(page.Locator("[data-testid=result]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("[data-testid=results]")).ToContainTextAsync("the ending \uFFFD was dull");
    }
}
