using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebDemo.Data;
using WebDemo.Inference.Streaming;

namespace WebDemo.Features.Flagging;

/// <summary>What a page sends when a visitor flags a result.</summary>
/// <param name="Task">The task's Hugging Face name.</param>
/// <param name="Input">The request that produced the output (stored as JSON).</param>
/// <param name="Output">The output as the page shows it (stored as JSON).</param>
/// <param name="BrowserId">The visitor's anonymous browser id, when the page has one.</param>
public sealed record FlagSubmission(string Task, object? Input, object? Output, Provenance? Provenance, string Comment, string? BrowserId);

/// <summary>A flag that cannot be stored as it is (a comment too long, a result too large), in words.</summary>
public sealed class FlagRejectedException(string message) : Exception(message);

/// <summary>
/// Keeps flags in the app database, within the caps of <see cref="FlagOptions"/>: each write
/// deletes what is past the age, count and size caps, oldest first.
/// </summary>
internal sealed class FlagStore(
    IDbContextFactory<AppDatabase> databases, AppDatabaseSchema schema, IOptions<FlagOptions> options, TimeProvider time)
{
    // Non-ASCII text stays readable in the stored JSON and the CSV export. "Relaxed" only means
    // that <, > and & are not escaped: this JSON never goes into HTML.
    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly FlagOptions _options = options.Value;

    public int MaxCommentCharacters => _options.MaxCommentCharacters;

    /// <summary>
    /// Stores a flag and applies the caps. Throws <see cref="FlagRejectedException"/> for a flag that
    /// cannot be stored as it is, <see cref="DataUnavailableException"/> when the database cannot be written.
    /// </summary>
    public async Task<Flag> AddAsync(FlagSubmission submission, CancellationToken ct = default)
    {
        var comment = StoredText.Valid(submission.Comment);
        if (comment.Length > _options.MaxCommentCharacters)
            throw new FlagRejectedException($"The comment is {comment.Length:N0} characters long; at most {_options.MaxCommentCharacters:N0} are kept.");
        var flag = new Flag
        {
            CreatedAt = time.GetUtcNow().UtcDateTime,
            BrowserId = submission.BrowserId,
            Task = submission.Task,
            Model = submission.Provenance?.Model,
            Comment = comment,
            Inputs = JsonSerializer.Serialize(submission.Input, StoredJson),
            Output = JsonSerializer.Serialize(submission.Output, StoredJson),
            Provenance = submission.Provenance is null ? null : JsonSerializer.Serialize(submission.Provenance, StoredJson),
        };
        flag.Bytes = Encoding.UTF8.GetByteCount(flag.Inputs) + Encoding.UTF8.GetByteCount(flag.Output)
            + Encoding.UTF8.GetByteCount(flag.Provenance ?? "") + Encoding.UTF8.GetByteCount(flag.Comment);
        if (flag.Bytes > _options.MaxBytes)
            throw new FlagRejectedException($"This result is too large to flag ({flag.Bytes / 1048576.0:0.#} MiB; flags keep at most {_options.MaxMegabytes:N0} MiB in all).");

        await schema.EnsureAsync(ct);
        try
        {
            await using var db = await databases.CreateDbContextAsync(ct);
            db.Flags.Add(flag);
            await db.SaveChangesAsync(ct);
            await PruneAsync(db, ct);
            return flag;
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException or IOException or UnauthorizedAccessException)
        {
            throw schema.Unavailable(ex);
        }
    }

    /// <summary>The newest flags first, <paramref name="limit"/> of them, older than the flag <paramref name="before"/> when given.</summary>
    public async Task<IReadOnlyList<Flag>> ListAsync(int limit, long? before = null, CancellationToken ct = default)
    {
        await schema.EnsureAsync(ct);
        try
        {
            await using var db = await databases.CreateDbContextAsync(ct);
            var flags = db.Flags.AsNoTracking();
            if (before is { } id)
                flags = flags.Where(f => f.Id < id);
            return await flags.OrderByDescending(f => f.Id).Take(limit).ToListAsync(ct);
        }
        catch (DbException ex)
        {
            throw schema.Unavailable(ex);
        }
    }

    /// <summary>Throws <see cref="DataUnavailableException"/> when the database cannot be used.</summary>
    public Task EnsureAvailableAsync(CancellationToken ct = default) => schema.EnsureAsync(ct);

    public async Task<int> CountAsync(CancellationToken ct = default)
    {
        await schema.EnsureAsync(ct);
        try
        {
            await using var db = await databases.CreateDbContextAsync(ct);
            return await db.Flags.CountAsync(ct);
        }
        catch (DbException ex)
        {
            throw schema.Unavailable(ex);
        }
    }

    /// <summary>Every flag, oldest first, read as it is written out (for the CSV export).</summary>
    public async IAsyncEnumerable<Flag> AllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await schema.EnsureAsync(ct);
        await using var db = await databases.CreateDbContextAsync(ct);
        await foreach (var flag in db.Flags.AsNoTracking().OrderBy(f => f.Id).AsAsyncEnumerable().WithCancellation(ct))
            yield return flag;
    }

    /// <summary>Deletes what is past the caps, oldest first: age, then count, then size.</summary>
    private async Task PruneAsync(AppDatabase db, CancellationToken ct)
    {
        var oldestKept = time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(_options.MaxAgeDays);
        await db.Flags.Where(f => f.CreatedAt < oldestKept).ExecuteDeleteAsync(ct);

        var lastKept = await db.Flags.OrderByDescending(f => f.Id).Skip(_options.MaxCount - 1).Select(f => (long?)f.Id).FirstOrDefaultAsync(ct);
        if (lastKept is { } last)
            await db.Flags.Where(f => f.Id < last).ExecuteDeleteAsync(ct);

        if (await db.Flags.SumAsync(f => f.Bytes, ct) <= _options.MaxBytes)
            return;
        long total = 0;
        long? firstDropped = null;
        await foreach (var flag in db.Flags.OrderByDescending(f => f.Id).Select(f => new { f.Id, f.Bytes }).AsAsyncEnumerable().WithCancellation(ct))
        {
            total += flag.Bytes;
            if (total > _options.MaxBytes)
            {
                firstDropped = flag.Id;
                break;
            }
        }
        if (firstDropped is { } dropped)
            await db.Flags.Where(f => f.Id <= dropped).ExecuteDeleteAsync(ct);
    }

}
