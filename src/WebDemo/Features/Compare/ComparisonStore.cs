using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebDemo.Data;

namespace WebDemo.Features.Compare;

/// <summary>
/// Keeps each browser's comparisons in the app database: a browser only lists, opens or deletes
/// its own; each save deletes what is past the age cap (anyone's), then this browser's oldest past its count cap.
/// </summary>
internal sealed class ComparisonStore(AppDatabaseSchema schema, IOptions<CompareOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<string> SaveAsync(string browserId, CompareSettings settings, IReadOnlyList<RunResult> results, bool stopped,
        CancellationToken ct = default)
    {
        var stored = new SavedComparison
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            BrowserId = browserId,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            Task = settings.Task,
            Model = settings.Model ?? settings.Targets.FirstOrDefault()?.Model ?? "",
            Stopped = stopped,
            SettingsJson = StoredText.Valid(JsonSerializer.Serialize(settings, Json)),
            ResultsJson = StoredText.Valid(JsonSerializer.Serialize(results, Json)),
        };
        await schema.UseAsync(async db =>
        {
            db.Comparisons.Add(stored);
            await db.SaveChangesAsync(ct);
            var oldestKept = OldestKept;
            await db.Comparisons.Where(c => c.CreatedAt < oldestKept).ExecuteDeleteAsync(ct);
            var beyondCap = await db.Comparisons.Where(c => c.BrowserId == browserId).OrderByDescending(c => c.CreatedAt)
                .Skip(options.Value.MaxSavedPerBrowser).Select(c => c.Id).ToListAsync(ct);
            await db.Comparisons.Where(c => beyondCap.Contains(c.Id)).ExecuteDeleteAsync(ct);
            return true;
        }, ct);
        return stored.Id;
    }

    /// <summary>The browser's comparisons, newest first.</summary>
    public Task<IReadOnlyList<ComparisonEntry>> ListAsync(string browserId, CancellationToken ct = default) =>
        schema.UseAsync<IReadOnlyList<ComparisonEntry>>(async db => await db.Comparisons.AsNoTracking()
            .Where(c => c.BrowserId == browserId && c.CreatedAt >= OldestKept)
            .OrderByDescending(c => c.CreatedAt)
            .Select(c => new ComparisonEntry(c.Id, c.CreatedAt, c.Task, c.Model, c.Stopped))
            .ToListAsync(ct), ct);

    /// <summary>The comparison, when it exists and belongs to this browser; else null.</summary>
    public Task<ComparisonRecord?> GetAsync(string browserId, string id, CancellationToken ct = default) =>
        schema.UseAsync(async db =>
        {
            var saved = await db.Comparisons.AsNoTracking()
                .FirstOrDefaultAsync(c => c.Id == id && c.BrowserId == browserId && c.CreatedAt >= OldestKept, ct);
            return saved is null ? null : new ComparisonRecord(saved.Id, saved.CreatedAt, saved.Stopped,
                JsonSerializer.Deserialize<CompareSettings>(saved.SettingsJson, Json)!,
                JsonSerializer.Deserialize<List<RunResult>>(saved.ResultsJson, Json)!);
        }, ct);

    public Task<bool> DeleteAsync(string browserId, string id, CancellationToken ct = default) =>
        schema.UseAsync(async db => await db.Comparisons.Where(c => c.Id == id && c.BrowserId == browserId).ExecuteDeleteAsync(ct) > 0, ct);

    private DateTime OldestKept => time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(options.Value.RetentionDays);
}
