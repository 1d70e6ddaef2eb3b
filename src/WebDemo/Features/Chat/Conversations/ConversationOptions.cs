namespace WebDemo.Features.Chat.Conversations;

/// <summary>How much chat history is kept per browser (section "Conversations"); the oldest go first.</summary>
public sealed class ConversationOptions
{
    public const string Section = "Conversations";

    /// <summary>Conversations kept per browser; saving one more deletes the least recently used.</summary>
    public int MaxPerBrowser { get; set; } = 50;

    /// <summary>Conversations untouched for longer are deleted.</summary>
    public int MaxAgeDays { get; set; } = 30;

    /// <summary>The largest conversation kept, in KiB of JSON; a longer one is not saved (the page says so).</summary>
    public int MaxKilobytes { get; set; } = 1024;

    public long MaxBytes => MaxKilobytes * 1024L;
}
