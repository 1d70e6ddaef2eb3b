using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using WebDemo.Inference.Streaming;

namespace WebDemo.Features.Chat.Conversations;

/// <summary>
/// One chat conversation, as stored: whose browser it belongs to, its title, and its content
/// (<see cref="ConversationContent"/>) as JSON. Everything in it is untrusted text (a visitor's
/// words, a model's answers): rendered as text or as sanitized Markdown, never as HTML.
/// </summary>
internal sealed class Conversation
{
    /// <summary>A random id (32 hex characters), also the page's address for it.</summary>
    public required string Id { get; set; }

    /// <summary>The anonymous id of the browser it belongs to (a cookie); only that browser sees it.</summary>
    public required string BrowserId { get; set; }

    public required string Title { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary><see cref="ConversationContent"/> as JSON.</summary>
    public required string Content { get; set; }

    /// <summary>The UTF-8 size of <see cref="Content"/>, for the size cap.</summary>
    public long Bytes { get; set; }
}

internal sealed class ConversationTable : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> conversation)
    {
        conversation.ToTable("Conversations");
        conversation.HasIndex(c => new { c.BrowserId, c.UpdatedAt });
        conversation.HasIndex(c => c.UpdatedAt);
    }
}

/// <summary>What a conversation holds: the system prompt, the settings it was run with, and its messages.</summary>
public sealed record ConversationContent(string SystemPrompt, ChatSettings Settings, IReadOnlyList<ConversationMessage> Messages);

/// <summary>One message: "user" or "assistant", its text, and for an answer where it came from (or why it stopped).</summary>
public sealed record ConversationMessage(string Role, string Text, Provenance? Provenance = null, string? Note = null);

/// <summary>The sampling settings of the page's parameter panel; null means the model's default.</summary>
public sealed record ChatSettings(float? Temperature = null, float? TopP = null, int? MaxTokens = null, long? Seed = null, IReadOnlyList<string>? Stop = null);

/// <summary>A conversation in the list: enough to show and reopen it.</summary>
public sealed record ConversationSummary(string Id, string Title, DateTime UpdatedAt);
