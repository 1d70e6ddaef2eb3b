using System.Globalization;
using System.Text;
using WebDemo.Components.Shared;

namespace WebDemo.Features.Chat.Conversations;

/// <summary>
/// A conversation as files a visitor downloads: JSON (everything, provenance included) and Markdown
/// (to read: the answers as the Markdown they are, the user's words as text in fences).
/// </summary>
internal static class ConversationExport
{
    public static string Json(string title, ConversationContent content) =>
        ResultFiles.Json(new { title, content.SystemPrompt, content.Settings, content.Messages });

    public static string Markdown(string title, ConversationContent content)
    {
        var markdown = new StringBuilder($"# {title}\n\n");
        if (!string.IsNullOrWhiteSpace(content.SystemPrompt))
            markdown.Append(CultureInfo.InvariantCulture, $"**System:** {content.SystemPrompt}\n\n");
        foreach (var message in content.Messages)
        {
            if (message.Role == "user")
                markdown.Append(CultureInfo.InvariantCulture, $"## User\n\n{Verbatim(message.Text)}\n\n");
            else
                markdown.Append(CultureInfo.InvariantCulture,
                    $"## Assistant ({message.Provenance?.Provider ?? "unknown"}, {message.Provenance?.Model ?? "unknown model"})\n\n{message.Text}\n\n");
            if (message.Note is { } note)
                markdown.Append(CultureInfo.InvariantCulture, $"> {note.ReplaceLineEndings("\n> ")}\n\n");
        }
        return markdown.ToString();
    }

    /// <summary>
    /// The user's words as the page shows them, as text: in a fence longer than any run of backticks
    /// in them, so that none of it is read as Markdown (a "## Assistant" line of theirs makes no heading).
    /// </summary>
    private static string Verbatim(string text)
    {
        int longest = 0, run = 0;
        foreach (var c in text)
            longest = Math.Max(longest, run = c == '`' ? run + 1 : 0);
        var fence = new string('`', Math.Max(3, longest + 1));
        return $"{fence}\n{text}\n{fence}";
    }
}
