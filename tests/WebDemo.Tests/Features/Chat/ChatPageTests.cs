using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using WebDemo.Features.Chat;
using WebDemo.Features.Chat.Conversations;
using WebDemo.Hosting;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.Chat;

/// <summary>What the chat page says of what its session and store did: the trim notice, an error with no answer, a conversation too large to keep.</summary>
public sealed class ChatPageTests : IAsyncDisposable
{
    private const string Browser = "AAAAAAAAAAAAAAAAAAAAAA";

    private readonly BunitContext _ctx = MudTestContext.Create();
    private readonly ScriptedChat _chat = new();
    private readonly TempDirectory _data = new();
    private readonly ServiceProvider _storeServices;
    private readonly ConversationStore _store;

    public ChatPageTests()
    {
        _storeServices = new TestSettings()
            .Set("Data:Folder", Path.Combine(_data.Path, "data"))
            .Set("Conversations:MaxKilobytes", "1")
            .Services((services, configuration) => services.AddChatFeature(configuration));
        _store = _storeServices.GetRequiredService<ConversationStore>();
        _ctx.Services.AddSingleton(Options.Create(new ChatTaskOptions { MaxMessages = 3, MaxCharacters = 5_000 }));
        _ctx.Services.AddSingleton<IInferenceTask<ChatRequest, ChatDelta>>(_chat);
        _ctx.Services.AddSingleton(_store);
        var identity = new BrowserIdentity();
        identity.Identify(Browser);
        _ctx.Services.AddSingleton(identity);
        _ctx.Services.AddSingleton(new PageAdmission(new ClientRateLimits(Options.Create(new RateLimitOptions { PermitsPerWindow = 100 }))));
        _ctx.Render<MudPopoverProvider>();
    }

    public async ValueTask DisposeAsync()
    {
        await _ctx.DisposeAsync();
        await _storeServices.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    private static void Send(IRenderedComponent<WebDemo.Features.Chat.Chat> page, string text)
    {
        page.WaitForAssertion(() => Assert.False(page.Find("textarea[data-testid=chat-input]").HasAttribute("disabled"))); // the last answer has ended
        page.Find("textarea[data-testid=chat-input]").Input(text);
        page.Find("button[data-testid=send]").Click();
    }

    private static string[] Messages(IRenderedComponent<WebDemo.Features.Chat.Chat> page) =>
        [.. page.FindAll("[data-testid=message]").Select(m => $"{m.GetAttribute("data-role")}: {m.QuerySelector("[data-testid=message-text], [data-testid=markdown]")?.TextContent.Trim()}")];

    [Fact]
    public void Past_the_message_limit_the_page_says_that_older_messages_were_left_out_and_still_shows_them()
    {
        var page = _ctx.Render<WebDemo.Features.Chat.Chat>();
        for (var i = 1; i <= 2; i++)
        {
            _chat.Answers($"answer {i}");
            Send(page, $"question {i}");
            var shown = i * 2;
            page.WaitForAssertion(() => Assert.Equal(shown, page.FindAll("[data-testid=message]").Count));
        }
        Assert.Empty(page.FindAll("[data-testid=trim-notice]"));

        _chat.Answers("answer 3");
        Send(page, "question 3");

        page.WaitForAssertion(() => Assert.Equal(6, page.FindAll("[data-testid=message]").Count));
        Assert.Contains("the first 2 messages were left out", page.Find("[data-testid=trim-notice]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["user: question 1", "assistant: answer 1", "user: question 2", "assistant: answer 2", "user: question 3", "assistant: answer 3"], Messages(page));
    }

    [Fact]
    public void An_error_before_any_text_shows_the_question_and_the_error_and_no_empty_answer()
    {
        var page = _ctx.Render<WebDemo.Features.Chat.Chat>();
        _chat.Fails(new InferenceException(InferenceErrorKind.ModelUnavailable, "Every provider failed: prov-a answered 503."));

        Send(page, "Hello?");

        page.WaitForAssertion(() => Assert.Contains("Every provider failed: prov-a answered 503.", page.Markup, StringComparison.Ordinal));
        Assert.Equal(["user: Hello?"], Messages(page));
        Assert.False(page.Find("button[data-testid=regenerate]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task A_conversation_too_large_to_keep_is_shown_with_the_reason_it_was_not_saved()
    {
        var page = _ctx.Render<WebDemo.Features.Chat.Chat>();
        _chat.Answers("short");
        Send(page, "first");
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=conversation]")));

        _chat.Answers(new string('a', 2_000));
        Send(page, "second");

        page.WaitForAssertion(() => Assert.Contains("too long to keep", page.Find("[data-testid=save-problem]").TextContent, StringComparison.Ordinal));
        Assert.Equal(4, page.FindAll("[data-testid=message]").Count);
        var stored = Assert.Single(await _store.ListAsync(Browser));
        Assert.Equal(2, (await _store.GetAsync(Browser, stored.Id))!.Messages.Count); // the version before stays
    }

    [Fact]
    public async Task A_page_left_while_it_answers_keeps_the_conversation_so_far_and_does_not_navigate_back()
    {
        var navigation = _ctx.Services.GetRequiredService<BunitNavigationManager>();
        navigation.NavigateTo("chat");
        var page = _ctx.Render<WebDemo.Features.Chat.Chat>();
        _chat.Endless("Half an ");
        page.Find("textarea[data-testid=chat-input]").Input("Hello");

        var sending = page.Find("button[data-testid=send]").ClickAsync(new MouseEventArgs()); // done once the page has saved
        page.WaitForAssertion(() => Assert.Contains("Half an", page.Find("[data-testid=chat-log]").TextContent, StringComparison.Ordinal));
        await _ctx.DisposeComponentsAsync(); // the visitor went to another page
        await sending;

        Assert.True(_chat.Cancelled);
        Assert.Equal("http://localhost/chat", navigation.Uri);
        var stored = Assert.Single(await _store.ListAsync(Browser));
        var messages = (await _store.GetAsync(Browser, stored.Id))!.Messages;
        Assert.Equal([("user", "Hello"), ("assistant", "Half an ")], messages.Select(m => (m.Role, m.Text)));
    }

    [Fact]
    public void An_empty_answer_shows_an_assistant_bubble_with_a_note_and_can_be_regenerated()
    {
        var page = _ctx.Render<WebDemo.Features.Chat.Chat>();
        _chat.Answers("");

        Send(page, "hi");

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=message]").Count));
        Assert.Equal("assistant", page.FindAll("[data-testid=message]")[1].GetAttribute("data-role"));
        Assert.Equal(ChatSession.EmptyAnswerNote, page.Find("[data-testid=empty-answer]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=message-note]")); // said once, in the bubble
        Assert.False(page.Find("button[data-testid=regenerate]").HasAttribute("disabled"));

        _chat.Answers("Hello!");
        Send(page, "hi again");

        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("[data-testid=message]").Count));
        Assert.Equal(["user", "assistant", "user"], _chat.Requests[^1].Messages.Select(m => m.Role.Value));
    }
}
