using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebDemo.Data;

namespace WebDemo.Features.TextToImage.Gallery;

/// <summary>
/// Keeps each browser's recent images in the app database within <see cref="GalleryOptions"/>'s
/// caps: a browser only ever lists, reads or deletes its own; each save deletes what is past
/// the age cap (anyone's), then this browser's oldest past its count and size caps, then the
/// oldest of all past the server's size cap.
/// </summary>
internal sealed class GalleryStore(
    AppDatabaseSchema schema, IOptions<GalleryOptions> options, TimeProvider time)
{
    /// <summary>Keeps the image; returns its entry. An image larger than a browser's whole allowance is not kept (null).</summary>
    public async Task<GalleryEntry?> AddAsync(string browserId, NewGalleryImage image, CancellationToken ct = default)
    {
        if (image.Bytes.LongLength > options.Value.MaxMegabytesPerBrowser * 1024L * 1024)
            return null;
        var stored = new GalleryImage
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            BrowserId = browserId,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            Prompt = StoredText.Valid(image.Prompt),
            NegativePrompt = image.NegativePrompt is null ? null : StoredText.Valid(image.NegativePrompt),
            Model = image.Model,
            Provider = image.Provider,
            Seed = image.Seed,
            Steps = image.Steps,
            GuidanceScale = image.GuidanceScale,
            Width = image.Width,
            Height = image.Height,
            Seconds = image.Seconds,
            ContentType = image.ContentType,
            Bytes = image.Bytes,
            Size = image.Bytes.LongLength,
        };
        await UseAsync(async db =>
        {
            db.GalleryImages.Add(stored);
            await db.SaveChangesAsync(ct);
            await PruneAsync(db, browserId, ct);
            return true;
        }, ct);
        return ToEntry(stored);
    }

    /// <summary>The browser's images, newest first.</summary>
    public Task<IReadOnlyList<GalleryEntry>> ListAsync(string browserId, CancellationToken ct = default) =>
        UseAsync<IReadOnlyList<GalleryEntry>>(async db => (await db.GalleryImages.AsNoTracking()
            .Where(i => i.BrowserId == browserId && i.CreatedAt >= OldestKept)
            .OrderByDescending(i => i.CreatedAt)
            .Select(i => new GalleryEntry(i.Id, i.CreatedAt, i.Prompt, i.NegativePrompt, i.Model, i.Provider, i.Seed, i.Steps,
                i.GuidanceScale, i.Width, i.Height, i.Seconds, i.ContentType))
            .ToListAsync(ct)), ct);

    /// <summary>The image's bytes and entry, when it exists and belongs to this browser; else null.</summary>
    public Task<(GalleryEntry Entry, byte[] Bytes)?> GetAsync(string browserId, string id, CancellationToken ct = default) =>
        UseAsync<(GalleryEntry, byte[])?>(async db =>
        {
            var image = await db.GalleryImages.AsNoTracking()
                .FirstOrDefaultAsync(i => i.Id == id && i.BrowserId == browserId && i.CreatedAt >= OldestKept, ct);
            return image is null ? null : (ToEntry(image), image.Bytes);
        }, ct);

    public Task<bool> DeleteAsync(string browserId, string id, CancellationToken ct = default) =>
        UseAsync(async db => await db.GalleryImages.Where(i => i.Id == id && i.BrowserId == browserId).ExecuteDeleteAsync(ct) > 0, ct);

    private DateTime OldestKept => time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(options.Value.MaxAgeDays);

    private async Task PruneAsync(AppDatabase db, string browserId, CancellationToken ct)
    {
        var caps = options.Value;
        var oldestKept = OldestKept;
        await db.GalleryImages.Where(i => i.CreatedAt < oldestKept).ExecuteDeleteAsync(ct);
        var mine = await db.GalleryImages.Where(i => i.BrowserId == browserId)
            .OrderByDescending(i => i.CreatedAt).Select(i => new { i.Id, i.Size }).ToListAsync(ct);
        await DeleteBeyondAsync(db, mine.Select(i => (i.Id, i.Size)), caps.MaxPerBrowser, caps.MaxMegabytesPerBrowser * 1024L * 1024, ct);
        var all = await db.GalleryImages.OrderByDescending(i => i.CreatedAt).Select(i => new { i.Id, i.Size }).ToListAsync(ct);
        await DeleteBeyondAsync(db, all.Select(i => (i.Id, i.Size)), int.MaxValue, caps.MaxMegabytes * 1024L * 1024, ct);
    }

    /// <summary>Deletes the images (newest first) after the first <paramref name="count"/> or once their sizes add up past <paramref name="bytes"/>.</summary>
    private static async Task DeleteBeyondAsync(AppDatabase db, IEnumerable<(string Id, long Size)> newestFirst, int count, long bytes, CancellationToken ct)
    {
        var kept = 0;
        var total = 0L;
        var surplus = new List<string>();
        foreach (var (id, size) in newestFirst)
        {
            total += size;
            if (++kept > count || total > bytes)
                surplus.Add(id);
        }
        if (surplus.Count > 0)
            await db.GalleryImages.Where(i => surplus.Contains(i.Id)).ExecuteDeleteAsync(ct);
    }

    private Task<T> UseAsync<T>(Func<AppDatabase, Task<T>> work, CancellationToken ct) => schema.UseAsync(work, ct);

    private static GalleryEntry ToEntry(GalleryImage i) => new(i.Id, i.CreatedAt, i.Prompt, i.NegativePrompt, i.Model, i.Provider, i.Seed,
        i.Steps, i.GuidanceScale, i.Width, i.Height, i.Seconds, i.ContentType);
}

/// <summary>What the page hands the gallery after a run.</summary>
internal sealed record NewGalleryImage(string Prompt, string? NegativePrompt, string Model, string Provider, long? Seed, int? Steps,
    double? GuidanceScale, int Width, int Height, double Seconds, string ContentType, byte[] Bytes);
