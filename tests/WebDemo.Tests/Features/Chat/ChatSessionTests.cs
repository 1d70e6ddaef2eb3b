using System.Runtime.CompilerServices;
using WebDemo.Features.Chat;
using WebDemo.Features.Chat.Conversations;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Tests.Features.Chat;

/// <summary>The chat page's conversation, out of the markup: send, stop, regenerate, edit, errors, and what is sent of a long conversation.</summary>
public sealed class ChatSessionTests : IDisposable
{
    private static readonly ChatRoute Route = new("auto", null, false);
    private static readonly Provenance Served = ScriptedChat.Served;

    private readonly ScriptedChat _chat = new();
    private readonly List<ChatSession> _sessions = [];

    public void Dispose()
    {
        foreach (var session in _sessions)
            session.Dispose();
    }

    private ChatSession Session(int maxMessages = 100, int maxCharacters = 100_000)
    {
        var session = new ChatSession(_chat, new ChatTaskOptions { MaxMessages = maxMessages, MaxCharacters = maxCharacters });
        _sessions.Add(session);
        return session;
    }

    private static (string Role, string Text)[] Shown(ChatSession session) => [.. session.Messages.Select(m => (m.Role, m.Text))];

    private static (string Role, string? Text)[] Sent(ChatRequest request) => [.. request.Messages.Select(m => (m.Role.Value, (string?)m.Text))];

    /// <summary>A conversation of <paramref name="turns"/> questions and answers, each answer "answer N".</summary>
    private async Task<ChatSession> ConversationAsync(int turns, int maxMessages = 100, int maxCharacters = 100_000, string question = "question")
    {
        var session = Session(maxMessages, maxCharacters);
        for (var i = 1; i <= turns; i++)
        {
            _chat.Answers($"answer {i}");
            await session.SendAsync($"{question} {i}", Route, () => { });
        }
        return session;
    }

    [Fact]
    public async Task Send_streams_the_answer_into_the_messages_with_its_provenance()
    {
        var session = Session();
        _chat.Answers("Hello", ", ", "world", "!");
        var seen = new List<string>();

        await session.SendAsync("Hi there", Route, () => seen.Add(session.AnswerText));

        Assert.Equal([("user", "Hi there"), ("assistant", "Hello, world!")], Shown(session));
        Assert.Equal(["Hello", "Hello, ", "Hello, world", "Hello, world!", "Hello, world!"], seen); // four pieces, then the final update
        Assert.Equal(Served, session.Messages[^1].Provenance);
        Assert.Null(session.Messages[^1].Note);
        Assert.False(session.Running);
        Assert.Null(session.TrimNotice);
        var request = Assert.Single(_chat.Requests);
        Assert.Equal([("user", "Hi there")], Sent(request));
        Assert.Equal(("auto", null), (request.Provider, request.Model));
    }

    [Fact]
    public async Task The_system_prompt_goes_first_and_an_empty_message_is_not_sent()
    {
        var session = Session();
        session.SystemPrompt = "Answer in French.";
        _chat.Answers("Bonjour");

        await session.SendAsync("   ", Route, () => { });
        Assert.Empty(_chat.Requests);
        Assert.Empty(session.Messages);

        await session.SendAsync("Hello", Route, () => { });
        Assert.Equal([("system", "Answer in French."), ("user", "Hello")], Sent(Assert.Single(_chat.Requests)));
    }

    [Fact]
    public async Task Stop_keeps_the_answer_so_far_with_a_note()
    {
        var session = Session();
        _chat.Endless("Once", " upon", " a", " time");

        await session.SendAsync("Tell me a story", Route, () =>
        {
            if (session.AnswerText == "Once upon")
                session.Stop();
        });

        Assert.False(session.Running);
        Assert.True(_chat.Cancelled);
        Assert.Equal([("user", "Tell me a story"), ("assistant", "Once upon")], Shown(session));
        Assert.StartsWith("Stopped", session.Messages[^1].Note, StringComparison.Ordinal);
        Assert.True(session.CanRegenerate);
    }

    [Fact]
    public async Task Stop_before_any_text_leaves_the_question_to_be_answered_again()
    {
        var session = Session();
        _chat.Endless();

        var sending = session.SendAsync("Hello?", Route, () => { });
        await _chat.Started;
        session.Stop();
        await sending;

        Assert.Equal([("user", "Hello?")], Shown(session));
        Assert.StartsWith("Stopped", session.Answer.Notice, StringComparison.Ordinal);
        Assert.True(session.CanRegenerate);
    }

    [Fact]
    public async Task Regenerate_replaces_the_last_answer_and_sends_the_same_history_again()
    {
        var session = await ConversationAsync(2);
        _chat.Answers("a better ", "answer 2");

        await session.RegenerateAsync(Route, () => { });

        Assert.Equal([("user", "question 1"), ("assistant", "answer 1"), ("user", "question 2"), ("assistant", "a better answer 2")], Shown(session));
        Assert.Equal(3, _chat.Requests.Count);
        Assert.Equal(Sent(_chat.Requests[1]), Sent(_chat.Requests[2]));
        Assert.Equal([("user", "question 1"), ("assistant", "answer 1"), ("user", "question 2")], Sent(_chat.Requests[2]));
    }

    [Fact]
    public async Task Regenerate_after_an_error_answers_the_unanswered_question()
    {
        var session = Session();
        _chat.Fails(new InferenceException(InferenceErrorKind.ModelUnavailable, "prov-a is down."));
        await session.SendAsync("Hello", Route, () => { });
        _chat.Answers("Hi!");

        await session.RegenerateAsync(Route, () => { });

        Assert.Equal([("user", "Hello"), ("assistant", "Hi!")], Shown(session));
        Assert.Equal(Sent(_chat.Requests[0]), Sent(_chat.Requests[1]));
        Assert.Null(session.Answer.Error);
    }

    [Fact]
    public async Task Editing_a_user_message_drops_what_came_after_and_sends_from_there()
    {
        var session = await ConversationAsync(3);
        _chat.Answers("answer to the edit");

        await session.EditAsync(2, "question 2, edited", Route, () => { });

        Assert.Equal([("user", "question 1"), ("assistant", "answer 1"), ("user", "question 2, edited"), ("assistant", "answer to the edit")], Shown(session));
        Assert.Equal([("user", "question 1"), ("assistant", "answer 1"), ("user", "question 2, edited")], Sent(_chat.Requests[^1]));
    }

    [Fact]
    public async Task Only_a_user_message_can_be_edited_and_not_to_nothing()
    {
        var session = await ConversationAsync(1);

        await session.EditAsync(1, "an answer is not the user's", Route, () => { });
        await session.EditAsync(0, "  ", Route, () => { });
        await session.EditAsync(5, "out of range", Route, () => { });

        Assert.Single(_chat.Requests);
        Assert.Equal([("user", "question 1"), ("assistant", "answer 1")], Shown(session));
    }

    [Fact]
    public async Task An_empty_answer_is_kept_as_an_empty_assistant_turn_with_a_note_so_that_turns_alternate()
    {
        var session = Session();
        _chat.Answers();
        await session.SendAsync("hi", Route, () => { });

        Assert.Equal([("user", "hi"), ("assistant", "")], Shown(session));
        Assert.Equal(ChatSession.EmptyAnswerNote, session.Messages[^1].Note);
        Assert.Equal(Served, session.Messages[^1].Provenance);
        Assert.Contains("> The model returned an empty answer.", ConversationExport.Markdown("t", session.ToContent()), StringComparison.Ordinal);

        _chat.Answers("Hello!");
        await session.SendAsync("hi again", Route, () => { });

        Assert.Equal([("user", "hi"), ("assistant", ""), ("user", "hi again")], Sent(_chat.Requests[^1]));
        Assert.Null(session.Messages[^1].Note);
    }

    [Fact]
    public async Task Regenerate_replaces_an_empty_answer()
    {
        var session = Session();
        _chat.Answers("");
        await session.SendAsync("hi", Route, () => { });
        _chat.Answers("Hello!");

        await session.RegenerateAsync(Route, () => { });

        Assert.Equal([("user", "hi"), ("assistant", "Hello!")], Shown(session));
        Assert.Equal([("user", "hi")], Sent(_chat.Requests[^1]));
    }

    [Fact]
    public async Task An_error_before_any_text_leaves_the_user_message_and_the_error_and_no_empty_answer()
    {
        var session = Session();
        _chat.Fails(new InferenceException(InferenceErrorKind.RateLimited, "Every provider is rate-limited; try again in a minute."));

        await session.SendAsync("Hello", Route, () => { });

        Assert.Equal([("user", "Hello")], Shown(session));
        Assert.Equal("Every provider is rate-limited; try again in a minute.", session.Answer.Error);
        Assert.False(session.Running);
    }

    [Fact]
    public async Task An_error_refused_before_the_stream_leaves_the_user_message_and_the_error()
    {
        var session = Session();
        _chat.Refuses(new InferenceException(InferenceErrorKind.InvalidInput, "The conversation is too long."));

        await session.SendAsync("Hello", Route, () => { });

        Assert.Equal([("user", "Hello")], Shown(session));
        Assert.Equal("The conversation is too long.", session.Answer.Error);
    }

    [Fact]
    public async Task A_message_refused_before_it_starts_adds_no_answer_and_does_not_repeat_the_last_one()
    {
        var session = Session();
        _chat.Answers("First answer.");
        await session.SendAsync("First question", Route, () => { });
        _chat.Refuses(new InferenceException(InferenceErrorKind.RateLimited, "Too many requests from your address."));

        await session.SendAsync("Second question", Route, () => { });

        Assert.Equal([("user", "First question"), ("assistant", "First answer."), ("user", "Second question")], Shown(session));
        Assert.Equal("Too many requests from your address.", session.Answer.Error);
    }

    [Fact]
    public async Task A_question_left_unanswered_and_the_next_are_sent_as_one_user_turn()
    {
        var session = Session();
        _chat.Fails(new InferenceException(InferenceErrorKind.ModelUnavailable, "prov-a is down."));
        await session.SendAsync("Is it raining?", Route, () => { });
        _chat.Answers("Yes.");

        await session.SendAsync("In Paris, I mean.", Route, () => { });

        Assert.Equal([("user", "Is it raining?"), ("user", "In Paris, I mean."), ("assistant", "Yes.")], Shown(session));
        Assert.Equal([("user", "Is it raining?\n\nIn Paris, I mean.")], Sent(_chat.Requests[^1]));
    }

    [Fact]
    public async Task An_error_part_way_keeps_the_text_with_the_error_as_its_note()
    {
        var session = Session();
        _chat.Fails(new InferenceException(InferenceErrorKind.ModelUnavailable, "The connection to prov-a dropped."), "Half an ");

        await session.SendAsync("Hello", Route, () => { });

        Assert.Equal([("user", "Hello"), ("assistant", "Half an ")], Shown(session));
        Assert.Equal("The connection to prov-a dropped.", session.Messages[^1].Note);
    }

    [Fact]
    public async Task A_conversation_past_the_message_limit_sends_the_system_prompt_and_the_latest_messages_and_says_so()
    {
        // 4 messages at most: the system prompt and the latest 3 (a question, its answer, the new question).
        var session = await ConversationAsync(2, maxMessages: 4);
        session.SystemPrompt = "Be brief.";
        _chat.Answers("answer 3");

        await session.SendAsync("question 3", Route, () => { });

        Assert.Equal([("system", "Be brief."), ("user", "question 2"), ("assistant", "answer 2"), ("user", "question 3")], Sent(_chat.Requests[^1]));
        Assert.Equal("This conversation is longer than the model is sent at once: the first 2 messages were left out of this answer.", session.TrimNotice);
        Assert.Equal(6, session.Messages.Count); // nothing is forgotten on the page
    }

    [Fact]
    public async Task A_conversation_past_the_character_limit_sends_the_latest_messages_that_fit_starting_with_a_question()
    {
        // Questions are 10 characters, answers 8; 36 fit besides the prompt: "answer 2", "question 3", "answer 3" and the
        // new question would, but what is sent starts with the user, so "answer 2" is left out too.
        const string Prompt = "Be brief.";
        var session = await ConversationAsync(3, maxCharacters: 36 + Prompt.Length);
        session.SystemPrompt = Prompt;
        _chat.Answers("answer 4");

        await session.SendAsync("question 4", Route, () => { });

        var sent = Sent(_chat.Requests[^1]);
        Assert.Equal([("system", Prompt), ("user", "question 3"), ("assistant", "answer 3"), ("user", "question 4")], sent);
        Assert.True(sent.Sum(m => m.Text!.Length) <= 36 + Prompt.Length);
        Assert.Equal("This conversation is longer than the model is sent at once: the first 4 messages were left out of this answer.", session.TrimNotice);
    }

    [Fact]
    public async Task One_message_left_out_is_said_in_the_singular_and_a_short_conversation_later_has_no_notice()
    {
        var session = Session(maxMessages: 1);
        _chat.Fails(new InferenceException(InferenceErrorKind.ModelUnavailable, "prov-a is down."));
        await session.SendAsync("question 1", Route, () => { });
        Assert.Null(session.TrimNotice);
        _chat.Answers("answer 2");

        await session.SendAsync("question 2", Route, () => { });

        Assert.Equal([("user", "question 2")], Sent(_chat.Requests[^1]));
        Assert.Equal("This conversation is longer than the model is sent at once: the first 1 message was left out of this answer.", session.TrimNotice);

        session.Clear();
        Assert.Null(session.TrimNotice);
        _chat.Answers("fresh");
        await session.SendAsync("new start", Route, () => { });
        Assert.Null(session.TrimNotice);
    }

    [Fact]
    public async Task A_short_conversation_is_sent_whole_with_no_notice()
    {
        var session = await ConversationAsync(3);
        session.SystemPrompt = "Be brief.";
        _chat.Answers("answer 4");

        await session.SendAsync("question 4", Route, () => { });

        Assert.Equal(8, _chat.Requests[^1].Messages.Count); // the prompt and all 7 messages
        Assert.Null(session.TrimNotice);
    }

    [Fact]
    public async Task A_last_message_longer_than_the_limit_alone_is_still_sent_so_that_the_task_says_what_is_wrong()
    {
        // Left out, nothing of the user's would be sent: the request would be only the system prompt (or empty),
        // and its error would speak of a missing message, not of the long one.
        var session = await ConversationAsync(1, maxCharacters: 50);
        session.SystemPrompt = "Be brief.";
        var longest = new string('x', 45);
        _chat.Answers("ok");

        await session.SendAsync(longest, Route, () => { });

        var sent = Sent(_chat.Requests[^1]);
        Assert.Equal(("user", longest), sent[^1]);
        Assert.Equal(("system", "Be brief."), sent[0]);
        Assert.NotNull(session.TrimNotice);
    }

    [Fact]
    public async Task Regenerating_a_conversation_of_one_answer_sends_nothing_of_it_and_the_task_says_why()
    {
        var session = Session();
        session.Load(ConversationStore.NewId(), new ConversationContent("", new ChatSettings(), [new ConversationMessage("assistant", "an answer to nothing")]));
        _chat.Refuses(new InferenceException(InferenceErrorKind.InvalidInput, "Send at least one message."));

        await session.RegenerateAsync(Route, () => { });

        Assert.Empty(session.Messages);
        Assert.Equal("Send at least one message.", session.Answer.Error);
    }

    [Fact]
    public async Task Loading_a_stored_conversation_shows_it_and_continues_it()
    {
        var session = Session();
        session.Load("0123456789abcdef0123456789abcdef", new ConversationContent("Be brief.", new ChatSettings(Temperature: 0.5f),
            [new ConversationMessage("user", "question 1"), new ConversationMessage("assistant", "answer 1", Served)]));
        _chat.Answers("answer 2");

        await session.SendAsync("question 2", Route, () => { });

        Assert.Equal("0123456789abcdef0123456789abcdef", session.Id);
        Assert.Equal([("system", "Be brief."), ("user", "question 1"), ("assistant", "answer 1"), ("user", "question 2")], Sent(_chat.Requests[^1]));
        Assert.Equal(0.5f, _chat.Requests[^1].Options?.Temperature);
        Assert.Equal(4, session.ToContent().Messages.Count);
    }
}

/// <summary>The chat task as a test scripts it: each call takes the next script (pieces of text, an error, a stream that never ends).</summary>
internal sealed class ScriptedChat : IInferenceTask<ChatRequest, ChatDelta>
{
    private readonly Queue<Func<CancellationToken, IAsyncEnumerable<InferenceUpdate<ChatDelta>>>> _scripts = new();
    private readonly Queue<InferenceException> _refusals = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Where every answer here comes from.</summary>
    public static readonly Provenance Served = new("prov-a", "org/chat", null, 5, 20, [new Attempt("prov-a", "ok", 20)]);

    public List<ChatRequest> Requests { get; } = [];
    public bool Cancelled { get; private set; }

    /// <summary>Completes once a stream has begun.</summary>
    public Task Started => _started.Task;

    public string Name => "conversational";
    public IReadOnlyList<string> LocalModels => [];
    public IReadOnlyList<string> Models => ["org/chat"];
    public string? CloudUnavailableReason => null;

    public Task<IReadOnlyList<string>> CloudProvidersAsync(string? model, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(["prov-a"]);

    /// <summary>The next call answers these pieces, then ends well.</summary>
    public void Answers(params string[] pieces) => _scripts.Enqueue(ct => Stream(pieces, null, endless: false, ct));

    /// <summary>The next call writes these pieces, then fails with <paramref name="error"/>.</summary>
    public void Fails(InferenceException error, params string[] pieces) => _scripts.Enqueue(ct => Stream(pieces, error, endless: false, ct));

    /// <summary>The next call writes these pieces, then waits until it is cancelled.</summary>
    public void Endless(params string[] pieces) => _scripts.Enqueue(ct => Stream(pieces, null, endless: true, ct));

    /// <summary>The next call is refused before anything streams, as the task refuses a bad request.</summary>
    public void Refuses(InferenceException error) => _refusals.Enqueue(error);

    public IAsyncEnumerable<InferenceUpdate<ChatDelta>> RunAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        if (_refusals.TryDequeue(out var refusal))
            throw refusal;
        Requests.Add(request);
        return _scripts.Dequeue()(cancellationToken);
    }

    public IAsyncEnumerable<InferenceUpdate<ChatDelta>> RunBufferedAsync(ChatRequest request, CancellationToken cancellationToken = default) =>
        RunAsync(request, cancellationToken);

    private async IAsyncEnumerable<InferenceUpdate<ChatDelta>> Stream(
        string[] pieces, InferenceException? error, bool endless, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() => Cancelled = true);
        _started.TrySetResult();
        foreach (var piece in pieces)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return InferenceUpdate<ChatDelta>.ForPartial(new ChatDelta(piece));
        }
        if (error is not null)
            throw error;
        if (endless)
            await Task.Delay(Timeout.Infinite, cancellationToken);
        yield return InferenceUpdate<ChatDelta>.ForFinal(Served);
    }
}
