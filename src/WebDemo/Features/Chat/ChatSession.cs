using Microsoft.Extensions.AI;
using WebDemo.Components.Shared;
using WebDemo.Features.Chat.Conversations;
using WebDemo.Hosting;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Features.Chat;

/// <summary>
/// The conversation on the chat page, out of the markup: its messages, the answer being written
/// (<see cref="Answer"/>), and what the page does with them: send, stop, regenerate the last
/// answer, edit a user message and resend from there. What is sent is the system prompt and as
/// many of the latest messages as the chat limits allow; when older ones are left out,
/// <see cref="TrimNotice"/> says so.
/// </summary>
internal sealed class ChatSession(IInferenceTask<ChatRequest, ChatDelta> chat, ChatTaskOptions limits) : IDisposable
{
    private readonly List<ConversationMessage> _messages = [];

    /// <summary>The conversation's id in the store (and the page's address for it).</summary>
    public string Id { get; private set; } = ConversationStore.NewId();

    public string SystemPrompt { get; set; } = "";

    public ChatSettings Settings { get; set; } = new();

    public IReadOnlyList<ConversationMessage> Messages => _messages;

    /// <summary>The answer being written, while <see cref="Running"/>; its error or notice after.</summary>
    public TaskRun<ChatDelta> Answer { get; } = new();

    public bool Running => Answer.Running;

    /// <summary>The text of the answer so far.</summary>
    public string AnswerText => string.Concat(Answer.Items.Select(d => d.Text));

    /// <summary>
    /// Set when the last request left the conversation's oldest messages out, in words: the page's
    /// own limits (messages, characters), or a local model's context (its answer's notice).
    /// </summary>
    public string? TrimNotice => string.Join(" ", new[] { _windowNotice, Answer.Items.FirstOrDefault(d => d.Notice is not null)?.Notice }
        .Where(n => n is not null)) is { Length: > 0 } notice ? notice : null;

    private string? _windowNotice;

    /// <summary>The note of an answer that ended with no text: the page's words, not the model's.</summary>
    public const string EmptyAnswerNote = "The model returned an empty answer.";

    /// <summary>The last message is the user's, unanswered (an error, or stopped before any text): it can be sent again.</summary>
    public bool CanRegenerate => !Running && _messages.Count > 0;

    public void Load(string id, ConversationContent content)
    {
        Id = id;
        SystemPrompt = content.SystemPrompt;
        Settings = content.Settings;
        _messages.Clear();
        _messages.AddRange(content.Messages);
        _windowNotice = null;
        Answer.Clear();
    }

    public ConversationContent ToContent() => new(SystemPrompt, Settings, [.. _messages]);

    /// <summary>Adds the user's message and streams the answer; returns once it has ended (or was refused).</summary>
    public Task SendAsync(string text, ChatRoute route, Action changed, PageAdmission? admission = null)
    {
        if (Running || string.IsNullOrWhiteSpace(text))
            return Task.CompletedTask;
        _messages.Add(new ConversationMessage("user", text));
        return AnswerAsync(route, changed, admission);
    }

    /// <summary>Writes the last answer again (or answers the last user message when it has none).</summary>
    public Task RegenerateAsync(ChatRoute route, Action changed, PageAdmission? admission = null)
    {
        if (!CanRegenerate)
            return Task.CompletedTask;
        if (_messages[^1].Role == "assistant")
            _messages.RemoveAt(_messages.Count - 1);
        return AnswerAsync(route, changed, admission);
    }

    /// <summary>Replaces the user message at <paramref name="index"/>, forgets everything after it, and answers again.</summary>
    public Task EditAsync(int index, string text, ChatRoute route, Action changed, PageAdmission? admission = null)
    {
        if (Running || index < 0 || index >= _messages.Count || _messages[index].Role != "user" || string.IsNullOrWhiteSpace(text))
            return Task.CompletedTask;
        _messages.RemoveRange(index, _messages.Count - index);
        _messages.Add(new ConversationMessage("user", text));
        return AnswerAsync(route, changed, admission);
    }

    public void Stop() => Answer.Stop();

    /// <summary>Starts a new, empty conversation (the system prompt and settings stay).</summary>
    public void Clear()
    {
        if (Running)
            return;
        Id = ConversationStore.NewId();
        _messages.Clear();
        _windowNotice = null;
        Answer.Clear();
    }

    private async Task AnswerAsync(ChatRoute route, Action changed, PageAdmission? admission)
    {
        var (sent, left) = Window();
        _windowNotice = left == 0 ? null
            : $"This conversation is longer than the model is sent at once: the first {left} message{(left == 1 ? " was" : "s were")} left out of this answer.";
        var request = new ChatRequest(sent, route.Model, route.Provider, Options(), Failover: route.Failover);
        var outcome = await Answer.RunAsync(ct => chat.RunAsync(request, ct), changed,
            _ => "Stopped: the answer so far is kept.", admission, request);
        // Refused before it started (the rate limit, a bad request): the answer's items are still the
        // last answer's, and there is nothing to add; the page shows the error.
        if (outcome == RunOutcome.Refused)
            return;

        var text = AnswerText;
        var note = Answer.Error ?? Answer.Notice;
        // An answer that ended well with no text is still a turn (content "" is valid for providers and
        // chat templates): kept, the next message does not make two user turns in a row.
        if (text.Length > 0 || note is null)
            _messages.Add(new ConversationMessage("assistant", text, Answer.Provenance,
                note ?? (string.IsNullOrWhiteSpace(text) ? EmptyAnswerNote : null)));
    }

    /// <summary>
    /// The system prompt and the latest messages that fit the chat limits (messages, characters),
    /// starting at a user message; and how many older ones were left out. The last message is
    /// always sent, so that one too long alone is refused in words.
    /// </summary>
    internal (List<ChatMessage> Sent, int LeftOut) Window()
    {
        var system = string.IsNullOrWhiteSpace(SystemPrompt) ? null : new ChatMessage(ChatRole.System, SystemPrompt);
        var budgetMessages = limits.MaxMessages - (system is null ? 0 : 1);
        var budgetCharacters = limits.MaxCharacters - (system?.Text.Length ?? 0);
        // The latest message is always sent, even alone over the limits: left out, the request would
        // hold nothing of the user's, and the task's error would not say what is too long.
        var first = Math.Max(0, _messages.Count - 1);
        var characters = _messages.Count == 0 ? 0 : _messages[first].Text.Length;
        while (first > 0 && _messages.Count - first < budgetMessages && characters + _messages[first - 1].Text.Length <= budgetCharacters)
            characters += _messages[--first].Text.Length;
        while (first < _messages.Count - 1 && _messages[first].Role != "user")
            first++; // a conversation sent starts with the user
        List<ChatMessage> sent = [.. system is null ? [] : new[] { system }];
        foreach (var message in _messages.Skip(first))
        {
            // A question left unanswered (an error, a Stop before any text) and the next one go as one
            // user turn: strict chat templates and some providers refuse two user turns in a row.
            if (message.Role == "user" && sent.Count > 0 && sent[^1].Role == ChatRole.User)
                sent[^1] = new ChatMessage(ChatRole.User, sent[^1].Text + "\n\n" + message.Text);
            else
                sent.Add(new ChatMessage(message.Role == "user" ? ChatRole.User : ChatRole.Assistant, message.Text));
        }
        return (sent, first);
    }

    private ChatOptions Options() => new()
    {
        Temperature = Settings.Temperature,
        TopP = Settings.TopP,
        MaxOutputTokens = Settings.MaxTokens,
        Seed = Settings.Seed,
        StopSequences = Settings.Stop is { Count: > 0 } stop ? [.. stop] : null,
    };

    public void Dispose() => Answer.Dispose();
}

/// <summary>Where the page's chat goes: the picker's provider and model, and the failover opt-in.</summary>
internal sealed record ChatRoute(string Provider, string? Model, bool Failover);
