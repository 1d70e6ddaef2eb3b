using System.Globalization;
using System.Text;
using WebDemo.Components.Shared;

namespace WebDemo.Features.Chat.Conversations;

/// <summary>A conversation as files a visitor downloads: JSON (everything, provenance included) and Markdown (to read).</summary>
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
            var who = message.Role == "user" ? "User" : $"Assistant ({message.Provenance?.Provider ?? "unknown"}, {message.Provenance?.Model ?? "unknown model"})";
            markdown.Append(CultureInfo.InvariantCulture, $"## {who}\n\n{message.Text}\n\n");
            if (message.Note is { } note)
                markdown.Append(CultureInfo.InvariantCulture, $"> {note}\n\n");
        }
        return markdown.ToString();
    }
}
