using Markdig.Syntax;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Features.Chat;
using WebDemo.Features.Chat.Conversations;
using WebDemo.Inference.Streaming;
using WebDemo.TestSupport;
using WebDemo.Tests.Data;

namespace WebDemo.Tests.Features.Chat;

/// <summary>Each browser's conversations in the app database: round trip, isolation, rename, delete, the caps, and the exports.</summary>
public sealed class ConversationStoreTests : IDisposable
{
    private const string BrowserA = "AAAAAAAAAAAAAAAAAAAAAA";
    private const string BrowserB = "BBBBBBBBBBBBBBBBBBBBBB";

    private static readonly Provenance Served = new("prov-a", "org/chat", null, 120, 900, [new Attempt("prov-b", "failed", 30, 503), new Attempt("prov-a", "ok", 870)], 7, 4);

    private readonly TempAppData _data = new();
    private ManualClock Clock => _data.Clock;

    public void Dispose() => _data.Dispose();

    private ConversationStore Store(params (string Key, string Value)[] settings) =>
        _data.Services((services, configuration) => services.AddChatFeature(configuration), settings).GetRequiredService<ConversationStore>();

    private static ConversationContent Content(string first = "What is a KV cache?", string answer = "It keeps the keys and values **of past tokens**.") =>
        new("Be brief.", new ChatSettings(0.7f, 0.9f, 256, 42, ["</s>", "\n\n"]),
            [new ConversationMessage("user", first), new ConversationMessage("assistant", answer, Served, "Stopped: the answer so far is kept.")]);

    private static void AssertSame(ConversationContent expected, ConversationContent? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.SystemPrompt, actual.SystemPrompt);
        Assert.Equal(expected.Settings with { Stop = null }, actual.Settings with { Stop = null });
        Assert.Equal(expected.Settings.Stop, actual.Settings.Stop);
        Assert.Equal(expected.Messages.Count, actual.Messages.Count);
        for (var i = 0; i < expected.Messages.Count; i++)
        {
            var (want, got) = (expected.Messages[i], actual.Messages[i]);
            Assert.Equal((want.Role, want.Text, want.Note), (got.Role, got.Text, got.Note));
            Assert.Equal(want.Provenance is null, got.Provenance is null);
            if (want.Provenance is { } provenance)
            {
                Assert.Equal(provenance with { Attempts = [] }, got.Provenance! with { Attempts = [] });
                Assert.Equal(provenance.Attempts, got.Provenance!.Attempts);
            }
        }
    }

    [Fact]
    public async Task A_conversation_round_trips_with_its_settings_and_provenance_and_is_listed_under_its_first_question()
    {
        var store = Store();
        var id = ConversationStore.NewId();
        var content = Content();

        await store.SaveAsync(BrowserA, id, content);

        AssertSame(content, await store.GetAsync(BrowserA, id));
        var listed = Assert.Single(await store.ListAsync(BrowserA));
        Assert.Equal(new ConversationSummary(id, "What is a KV cache?", Clock.GetUtcNow().UtcDateTime), listed);
        Assert.Matches("^[0-9a-f]{32}$", id);
    }

    [Fact]
    public async Task Saving_again_replaces_the_content_keeps_the_title_and_moves_it_to_the_top()
    {
        var store = Store();
        var (first, second) = (ConversationStore.NewId(), ConversationStore.NewId());
        await store.SaveAsync(BrowserA, first, Content("first question"));
        Clock.Advance(TimeSpan.FromMinutes(1));
        await store.SaveAsync(BrowserA, second, Content("second question"));
        Clock.Advance(TimeSpan.FromMinutes(1));

        var longer = Content("first question") with
        {
            Messages = [.. Content("first question").Messages, new ConversationMessage("user", "and then?")],
        };
        await store.SaveAsync(BrowserA, first, longer);

        AssertSame(longer, await store.GetAsync(BrowserA, first));
        Assert.Equal(["first question", "second question"], (await store.ListAsync(BrowserA)).Select(c => c.Title));
    }

    [Fact]
    public async Task A_title_is_the_first_question_on_one_line_and_clipped()
    {
        var store = Store();
        var id = ConversationStore.NewId();

        await store.SaveAsync(BrowserA, id, Content("  Explain\n\nthis   code:\t" + new string('x', 200)));

        var title = Assert.Single(await store.ListAsync(BrowserA)).Title;
        Assert.Equal(ConversationStore.MaxTitleCharacters, title.Length);
        Assert.StartsWith("Explain this code: xxx", title, StringComparison.Ordinal);
        Assert.EndsWith("x…", title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_cannot_list_load_rename_delete_or_overwrite_another_browsers_conversation()
    {
        var store = Store();
        var id = ConversationStore.NewId();
        var content = Content();
        await store.SaveAsync(BrowserA, id, content);

        Assert.Empty(await store.ListAsync(BrowserB));
        Assert.Null(await store.GetAsync(BrowserB, id));
        Assert.False(await store.RenameAsync(BrowserB, id, "mine now"));
        Assert.False(await store.DeleteAsync(BrowserB, id));
        var refused = await Assert.ThrowsAsync<ConversationRejectedException>(() => store.SaveAsync(BrowserB, id, Content("overwritten")));
        Assert.Equal("This conversation belongs to another browser.", refused.Message);

        AssertSame(content, await store.GetAsync(BrowserA, id));
        Assert.Equal("What is a KV cache?", Assert.Single(await store.ListAsync(BrowserA)).Title);
    }

    [Fact]
    public async Task Rename_sets_a_trimmed_clipped_title_that_a_later_save_keeps()
    {
        var store = Store();
        var id = ConversationStore.NewId();
        await store.SaveAsync(BrowserA, id, Content());

        Assert.True(await store.RenameAsync(BrowserA, id, "  Caches ✨ مرحبا  "));
        Assert.Equal("Caches ✨ مرحبا", Assert.Single(await store.ListAsync(BrowserA)).Title);

        await store.SaveAsync(BrowserA, id, Content());
        Assert.Equal("Caches ✨ مرحبا", Assert.Single(await store.ListAsync(BrowserA)).Title);

        Assert.True(await store.RenameAsync(BrowserA, id, new string('t', 500)));
        Assert.Equal(new string('t', ConversationStore.MaxTitleCharacters - 1) + "…", Assert.Single(await store.ListAsync(BrowserA)).Title);
        Assert.False(await store.RenameAsync(BrowserA, ConversationStore.NewId(), "no such conversation"));
    }

    [Fact]
    public async Task Delete_removes_only_that_conversation()
    {
        var store = Store();
        var (kept, deleted) = (ConversationStore.NewId(), ConversationStore.NewId());
        await store.SaveAsync(BrowserA, kept, Content("kept"));
        await store.SaveAsync(BrowserA, deleted, Content("deleted"));

        Assert.True(await store.DeleteAsync(BrowserA, deleted));

        Assert.Null(await store.GetAsync(BrowserA, deleted));
        Assert.Equal([kept], (await store.ListAsync(BrowserA)).Select(c => c.Id));
        Assert.False(await store.DeleteAsync(BrowserA, deleted));
    }

    [Fact]
    public async Task Past_MaxPerBrowser_the_least_recently_used_of_that_browser_go_and_no_other_browsers()
    {
        var store = Store(("Conversations:MaxPerBrowser", "3"));
        var other = ConversationStore.NewId();
        await store.SaveAsync(BrowserB, other, Content("B's"));
        var ids = Enumerable.Range(0, 4).Select(_ => ConversationStore.NewId()).ToArray();
        for (var i = 0; i < 3; i++)
        {
            Clock.Advance(TimeSpan.FromMinutes(1));
            await store.SaveAsync(BrowserA, ids[i], Content($"question {i}"));
        }
        Clock.Advance(TimeSpan.FromMinutes(1));
        await store.SaveAsync(BrowserA, ids[0], Content("question 0")); // used again: now the most recent

        Clock.Advance(TimeSpan.FromMinutes(1));
        await store.SaveAsync(BrowserA, ids[3], Content("question 3"));

        Assert.Equal([ids[3], ids[0], ids[2]], (await store.ListAsync(BrowserA)).Select(c => c.Id));
        Assert.Null(await store.GetAsync(BrowserA, ids[1]));
        Assert.NotNull(await store.GetAsync(BrowserB, other));
    }

    [Fact]
    public async Task Conversations_untouched_past_MaxAgeDays_are_deleted_at_the_next_save_whoever_saves()
    {
        var store = Store(("Conversations:MaxAgeDays", "2"));
        var (old, recent, fresh) = (ConversationStore.NewId(), ConversationStore.NewId(), ConversationStore.NewId());
        await store.SaveAsync(BrowserA, old, Content("old"));
        Clock.Advance(TimeSpan.FromDays(1));
        await store.SaveAsync(BrowserA, recent, Content("recent"));
        Clock.Advance(TimeSpan.FromDays(1.5));

        await store.SaveAsync(BrowserB, fresh, Content("fresh"));

        Assert.Equal([recent], (await store.ListAsync(BrowserA)).Select(c => c.Id));
        Assert.Null(await store.GetAsync(BrowserA, old));
    }

    [Fact]
    public async Task A_conversation_past_MaxAgeDays_is_neither_listed_nor_opened_even_before_anyone_saves()
    {
        var store = Store(("Conversations:MaxAgeDays", "2"));
        var id = ConversationStore.NewId();
        await store.SaveAsync(BrowserA, id, Content());
        Clock.Advance(TimeSpan.FromDays(1.9));
        Assert.Single(await store.ListAsync(BrowserA));

        Clock.Advance(TimeSpan.FromDays(0.2));

        Assert.Empty(await store.ListAsync(BrowserA));
        Assert.Null(await store.GetAsync(BrowserA, id));
    }

    [Fact]
    public async Task A_conversation_past_MaxKilobytes_is_refused_in_words_and_the_version_saved_before_stays()
    {
        var store = Store(("Conversations:MaxKilobytes", "1"));
        var id = ConversationStore.NewId();
        var small = Content("short");
        await store.SaveAsync(BrowserA, id, small);

        // 1,100 bytes of JSON, just over 1 KiB: the size said must not round down to the cap itself.
        var stored = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var large = Content("short", answer: new string('a', 1100 - JsonSerializer.Serialize(Content("short", answer: ""), stored).Length));
        Assert.Equal(1100, JsonSerializer.Serialize(large, stored).Length);
        var refused = await Assert.ThrowsAsync<ConversationRejectedException>(() => store.SaveAsync(BrowserA, id, large));

        Assert.Equal("This conversation is too long to keep (2 KiB; at most 1 KiB): it is shown but not saved. Start a new one.", refused.Message);
        AssertSame(small, await store.GetAsync(BrowserA, id));
        var another = ConversationStore.NewId();
        await Assert.ThrowsAsync<ConversationRejectedException>(() => store.SaveAsync(BrowserA, another, large));
        Assert.Null(await store.GetAsync(BrowserA, another));
        Assert.Single(await store.ListAsync(BrowserA));
    }

    [Fact]
    public async Task Odd_unicode_is_kept_and_a_lone_surrogate_becomes_a_replacement_character()
    {
        var store = Store();
        var id = ConversationStore.NewId();
        const string Odd = "👩‍👩‍👧‍👦 🇫🇷 שלום עולם مرحبا‎ e\u0301 \u200b\u202e reversed\u202c 𝔘𝔫𝔦 \0 end";

        await store.SaveAsync(BrowserA, id, Content(Odd, Odd));
        await store.SaveAsync(BrowserA, ConversationStore.NewId(), Content("broken \ud83d here"));

        AssertSame(Content(Odd, Odd), await store.GetAsync(BrowserA, id));
        Assert.Contains("broken \ufffd here", (await store.ListAsync(BrowserA)).Select(c => c.Title));
    }

    private static ConversationContent Tricky() => new(
        "Answer *only* in `French` | <b>no HTML</b>",
        new ChatSettings(Temperature: 0.2f),
        [
            new ConversationMessage("user", "# Not a heading\n## Assistant (prov-z, fake)\n*stars* _under_ `tick` ```fence``` <script>alert(1)</script> [x](javascript:alert(1)) 1. | a | b |"),
            new ConversationMessage("assistant", "## Answer\n\n```python\nprint('👋 שלום')\n```\n\n- مرحبا 🇫🇷", Served, "Stopped: the answer so far is kept.\nSecond line"),
            new ConversationMessage("user", "emoji 👩‍👩‍👧‍👦 and RTL שלום עולם"),
        ]);

    [Fact]
    public void The_json_export_holds_everything_and_reads_back_to_the_same_text()
    {
        var content = Tricky();

        using var json = JsonDocument.Parse(ConversationExport.Json("Title «✨» עברית", content));

        var root = json.RootElement;
        Assert.Equal("Title «✨» עברית", root.GetProperty("title").GetString());
        Assert.Equal(content.SystemPrompt, root.GetProperty("systemPrompt").GetString());
        Assert.Equal(0.2f, root.GetProperty("settings").GetProperty("temperature").GetSingle());
        var messages = root.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(content.Messages.Select(m => (m.Role, m.Text)), messages.Select(m => (m.GetProperty("role").GetString()!, m.GetProperty("text").GetString()!)));
        var provenance = messages[1].GetProperty("provenance");
        Assert.Equal("prov-a", provenance.GetProperty("provider").GetString());
        Assert.Equal(2, provenance.GetProperty("attempts").GetArrayLength());
        Assert.Equal(content.Messages[1].Note, messages[1].GetProperty("note").GetString());
    }

    [Fact]
    public void The_markdown_export_has_one_heading_per_message_and_shows_the_users_words_as_written()
    {
        var content = Tricky();

        var markdown = ConversationExport.Markdown("Chat ✨ שלום", content);
        var document = Markdig.Markdown.Parse(markdown);
        var headings = document.Descendants<HeadingBlock>().Select(h => markdown.Substring(h.Span.Start, h.Span.Length)).ToList();

        Assert.StartsWith("# Chat ✨ שלום\n\n**System:** Answer *only* in `French` | <b>no HTML</b>\n\n", markdown, StringComparison.Ordinal);
        // As a reader sees it: a heading per message (and the answer's own), none made of the user's text, which
        // the page shows as text, not Markdown.
        Assert.Equal(["# Chat ✨ שלום", "## User", "## Assistant (prov-a, org/chat)", "## Answer", "## User"], headings);
        Assert.Equal([content.Messages[0].Text, "print('👋 שלום')", content.Messages[2].Text],
            document.Descendants<FencedCodeBlock>().Select(code => code.Lines.ToString()));
        // The user's text is all there, verbatim, inside a fence longer than any run of backticks in it.
        Assert.Contains("````\n" + content.Messages[0].Text + "\n````", markdown, StringComparison.Ordinal);
        Assert.Contains("```\nemoji 👩‍👩‍👧‍👦 and RTL שלום עולם\n```", markdown, StringComparison.Ordinal);
        // The answer is Markdown already: as written.
        Assert.Contains("## Assistant (prov-a, org/chat)\n\n" + content.Messages[1].Text + "\n\n", markdown, StringComparison.Ordinal);
        // The note is quoted, every line of it.
        Assert.Contains("> Stopped: the answer so far is kept.\n> Second line\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conversation_from_the_session_is_stored_and_opened_again_as_it_was()
    {
        var store = Store();
        using var session = new ChatSession(new ScriptedChat(), new());
        session.Load(ConversationStore.NewId(), Tricky());

        await store.SaveAsync(BrowserA, session.Id, session.ToContent());

        using var reopened = new ChatSession(new ScriptedChat(), new());
        reopened.Load(session.Id, (await store.GetAsync(BrowserA, session.Id))!);
        AssertSame(session.ToContent(), reopened.ToContent());
        var oneLine = string.Join(' ', Tricky().Messages[0].Text.Split('\n'));
        Assert.Equal(oneLine[..(ConversationStore.MaxTitleCharacters - 1)] + "…", Assert.Single(await store.ListAsync(BrowserA)).Title);
    }
}
