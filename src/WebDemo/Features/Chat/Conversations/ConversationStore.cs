using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebDemo.Data;

namespace WebDemo.Features.Chat.Conversations;

/// <summary>A conversation that cannot be saved as it is (too large), in words.</summary>
public sealed class ConversationRejectedException(string message) : Exception(message);

/// <summary>
/// Keeps each browser's conversations in the app database, within the caps of
/// <see cref="ConversationOptions"/>: a browser only ever reads, renames or deletes its own, and
/// each save deletes what is past the age and count caps, least recently used first.
/// </summary>
internal sealed class ConversationStore(
    AppDatabaseSchema schema, IOptions<ConversationOptions> options, TimeProvider time)
{
    public const int MaxTitleCharacters = 80;

    // Readable non-ASCII in the stored JSON and the export; this JSON never goes into HTML.
    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The browser's conversations, most recently used first.</summary>
    public Task<IReadOnlyList<ConversationSummary>> ListAsync(string browserId, CancellationToken ct = default) =>
        UseAsync<IReadOnlyList<ConversationSummary>>(async db => await db.Conversations.AsNoTracking()
            .Where(c => c.BrowserId == browserId && c.UpdatedAt >= OldestKept)
            .OrderByDescending(c => c.UpdatedAt)
            .Select(c => new ConversationSummary(c.Id, c.Title, c.UpdatedAt))
            .ToListAsync(ct), ct);

    /// <summary>The conversation, when it exists and belongs to this browser; else null.</summary>
    public Task<ConversationContent?> GetAsync(string browserId, string id, CancellationToken ct = default) =>
        UseAsync(async db =>
        {
            var stored = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.BrowserId == browserId && c.UpdatedAt >= OldestKept, ct);
            return stored is null ? null : JsonSerializer.Deserialize<ConversationContent>(stored.Content, StoredJson);
        }, ct);

    /// <summary>
    /// Saves (creates or replaces) the conversation; the title is the first user message's start
    /// unless it was renamed. Throws <see cref="ConversationRejectedException"/> when it is over the size cap.
    /// </summary>
    public async Task SaveAsync(string browserId, string id, ConversationContent content, CancellationToken ct = default)
    {
        var json = StoredText.Valid(JsonSerializer.Serialize(content, StoredJson));
        var bytes = Encoding.UTF8.GetByteCount(json);
        if (bytes > options.Value.MaxBytes) // rounded up: a size just over the cap must not read as the cap
            throw new ConversationRejectedException(
                $"This conversation is too long to keep ({Math.Ceiling(bytes / 1024.0):N0} KiB; at most {options.Value.MaxKilobytes:N0} KiB): it is shown but not saved. Start a new one.");
        var now = time.GetUtcNow().UtcDateTime;
        await UseAsync(async db =>
        {
            var stored = await db.Conversations.FirstOrDefaultAsync(c => c.Id == id, ct);
            if (stored is not null && stored.BrowserId != browserId)
                throw new ConversationRejectedException("This conversation belongs to another browser.");
            if (stored is null)
            {
                stored = new Conversation { Id = id, BrowserId = browserId, Title = TitleOf(content), Content = json, CreatedAt = now };
                db.Conversations.Add(stored);
            }
            stored.Content = json;
            stored.Bytes = bytes;
            stored.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            await PruneAsync(db, browserId, ct);
            return true;
        }, ct);
    }

    public Task<bool> RenameAsync(string browserId, string id, string title, CancellationToken ct = default) =>
        UseAsync(async db => await db.Conversations.Where(c => c.Id == id && c.BrowserId == browserId)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.Title, Clip(StoredText.Valid(title.Trim()))), ct) > 0, ct);

    public Task<bool> DeleteAsync(string browserId, string id, CancellationToken ct = default) =>
        UseAsync(async db => await db.Conversations.Where(c => c.Id == id && c.BrowserId == browserId).ExecuteDeleteAsync(ct) > 0, ct);

    /// <summary>
    /// Conversations last used before this are past the age cap: deleted at the next save (anyone's),
    /// and neither listed nor opened until then.
    /// </summary>
    private DateTime OldestKept => time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(options.Value.MaxAgeDays);

    /// <summary>Deletes what is past the caps: conversations untouched too long (any browser's), then this browser's beyond the count.</summary>
    private async Task PruneAsync(AppDatabase db, string browserId, CancellationToken ct)
    {
        var oldestKept = OldestKept;
        await db.Conversations.Where(c => c.UpdatedAt < oldestKept).ExecuteDeleteAsync(ct);
        var surplus = await db.Conversations.Where(c => c.BrowserId == browserId)
            .OrderByDescending(c => c.UpdatedAt).Skip(options.Value.MaxPerBrowser).Select(c => c.Id).ToListAsync(ct);
        if (surplus.Count > 0)
            await db.Conversations.Where(c => surplus.Contains(c.Id)).ExecuteDeleteAsync(ct);
    }

    private Task<T> UseAsync<T>(Func<AppDatabase, Task<T>> work, CancellationToken ct) => schema.UseAsync(work, ct);

    private static string TitleOf(ConversationContent content) =>
        content.Messages.FirstOrDefault(m => m.Role == "user")?.Text is { Length: > 0 } first
            ? Clip(string.Join(' ', first.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))
            : "New conversation";

    private static string Clip(string title) => title.Length <= MaxTitleCharacters ? title : title[..(MaxTitleCharacters - 1)] + "…";
}
