using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebDemo.Data;
using WebDemo.Inference.Usage;

namespace WebDemo.Features.Usage;

/// <summary>A provider and model's calls over a period; the cost is an estimate, summed over the calls that had a price.</summary>
/// <param name="Unpriced">Calls whose cost could not be estimated (no listed price, or not counted in tokens).</param>
public sealed record UsageTotal(string Provider, string Model, int Calls, int Failed, long TokensIn, long TokensOut, int Images,
    double EstimatedCostUsd, int Unpriced);

/// <summary>Totals per provider and model for today (UTC) and the last 7 days (today and the six before).</summary>
public sealed record UsageSummary(IReadOnlyList<UsageTotal> Today, IReadOnlyList<UsageTotal> Last7Days)
{
    public static UsageSummary Empty { get; } = new([], []);
}

/// <summary>One recent call, as its browser sees it.</summary>
public sealed record UsageCall(DateTime At, string Surface, string Task, string Provider, string Model, int TokensIn, int TokensOut,
    int Images, int? Steps, double DurationMs, string Outcome, string? ErrorKind, double? EstimatedCostUsd);

/// <summary>
/// Keeps every task call's <see cref="UsageRecord"/> in the app database, off the calls' path: a
/// record waits in a bounded queue and one writer stores them in batches, so a slow or broken
/// database never holds up or fails a call (a record it cannot keep is logged and lost). Each
/// write deletes calls older than <see cref="UsageOptions.RetentionDays"/>, at most once an hour.
/// </summary>
internal sealed class UsageStore(AppDatabaseSchema schema, IOptions<UsageOptions> options, TimeProvider time, ILogger<UsageStore> logger)
    : BackgroundService, IUsageRecorder
{
    public const int QueueCapacity = 10_000;
    private const int BatchSize = 500;

    private readonly Channel<UsageRecord> _queue = Channel.CreateBounded<UsageRecord>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private DateTime _lastPruned = DateTime.MinValue;
    private long _queued;
    private long _handled;

    /// <summary>Everyone's totals as of the last write, for the Status page (which cannot wait on the database).</summary>
    public UsageSummary Current { get; private set; } = UsageSummary.Empty;

    public void Record(UsageRecord record)
    {
        if (_queue.Writer.TryWrite(record))
            Interlocked.Increment(ref _queued);
        else
            logger.LogWarning("Usage of a {Task} call was not recorded: {Capacity} records already wait to be written", record.Task, QueueCapacity);
    }

    /// <summary>Returns once every record queued before it is stored (or given up), and <see cref="Current"/> includes them (tests).</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        var queued = Interlocked.Read(ref _queued);
        while (Interlocked.Read(ref _handled) < queued)
            await Task.Delay(10, ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RefreshAsync(CancellationToken.None);
        var batch = new List<UsageRecord>(BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < BatchSize && _queue.Reader.TryRead(out var record))
                    batch.Add(record);
                await WriteAsync(batch, CancellationToken.None);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is written before the app ends.
            while (_queue.Reader.TryRead(out var record))
                batch.Add(record);
            await WriteAsync(batch, CancellationToken.None);
        }
    }

    private async Task WriteAsync(List<UsageRecord> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
            return;
        try
        {
            await schema.UseAsync(async db =>
            {
                db.Usage.AddRange(batch.Select(ToRow));
                await db.SaveChangesAsync(ct);
                var now = time.GetUtcNow().UtcDateTime;
                if (now - _lastPruned >= TimeSpan.FromHours(1))
                {
                    var oldestKept = now - TimeSpan.FromDays(options.Value.RetentionDays);
                    await db.Usage.Where(u => u.CreatedAt < oldestKept).ExecuteDeleteAsync(ct);
                    _lastPruned = now;
                }
                return true;
            }, ct);
        }
#pragma warning disable CA1031 // Whatever the database does, the writer goes on and the calls are unaffected.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogWarning(ex, "Usage of {Count} calls was not stored", batch.Count);
        }
        await RefreshAsync(ct);
        Interlocked.Add(ref _handled, batch.Count);
    }

    private async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            Current = await SummaryAsync(null, ct);
        }
        catch (DataUnavailableException)
        {
            // Logged by the schema; the Status page keeps the last totals.
        }
    }

    /// <summary>Totals for today and the last 7 days, of one browser or (null) of everyone.</summary>
    public async Task<UsageSummary> SummaryAsync(string? browserId, CancellationToken ct = default)
    {
        var today = time.GetUtcNow().UtcDateTime.Date;
        return new UsageSummary(await TotalsAsync(today, browserId, ct), await TotalsAsync(today.AddDays(-6), browserId, ct));
    }

    private Task<IReadOnlyList<UsageTotal>> TotalsAsync(DateTime since, string? browserId, CancellationToken ct) =>
        schema.UseAsync<IReadOnlyList<UsageTotal>>(async db =>
        {
            var totals = await db.Usage.AsNoTracking()
                .Where(u => u.CreatedAt >= since && (browserId == null || u.BrowserId == browserId))
                .GroupBy(u => new { u.Provider, u.Model })
                .Select(g => new UsageTotal(g.Key.Provider, g.Key.Model, g.Count(), g.Count(u => u.Outcome == UsageOutcome.Failed),
                    g.Sum(u => (long)u.TokensIn), g.Sum(u => (long)u.TokensOut), g.Sum(u => u.Images),
                    g.Sum(u => u.EstimatedCostUsd ?? 0), g.Count(u => u.EstimatedCostUsd == null)))
                .ToListAsync(ct);
            return totals.OrderBy(t => t.Provider, StringComparer.Ordinal).ThenBy(t => t.Model, StringComparer.Ordinal).ToList();
        }, ct);

    /// <summary>The browser's latest calls, newest first.</summary>
    public Task<IReadOnlyList<UsageCall>> RecentAsync(string browserId, int limit, CancellationToken ct = default) =>
        schema.UseAsync<IReadOnlyList<UsageCall>>(async db => await db.Usage.AsNoTracking()
            .Where(u => u.BrowserId == browserId)
            .OrderByDescending(u => u.Id)
            .Take(limit)
            .Select(u => new UsageCall(u.CreatedAt, u.Surface, u.Task, u.Provider, u.Model, u.TokensIn, u.TokensOut, u.Images, u.Steps,
                u.DurationMs, u.Outcome, u.ErrorKind, u.EstimatedCostUsd))
            .ToListAsync(ct), ct);

    /// <summary>Today's (UTC) cloud tokens and estimated dollars, for the budget at start.</summary>
    public Task<(long Tokens, decimal Usd)> CloudTodayAsync(CancellationToken ct = default) =>
        schema.UseAsync(async db =>
        {
            var today = time.GetUtcNow().UtcDateTime.Date;
            var cloud = db.Usage.AsNoTracking().Where(u => u.IsCloud && u.CreatedAt >= today);
            var tokens = await cloud.SumAsync(u => (long)u.TokensIn + u.TokensOut, ct);
            var usd = await cloud.SumAsync(u => u.EstimatedCostUsd ?? 0, ct);
            return (tokens, (decimal)usd);
        }, ct);

    private static UsageRow ToRow(UsageRecord r) => new()
    {
        CreatedAt = r.At.UtcDateTime,
        Surface = r.Surface,
        BrowserId = r.BrowserId,
        Task = r.Task,
        Provider = r.Provider,
        Model = r.Model,
        TokensIn = r.TokensIn,
        TokensOut = r.TokensOut,
        Images = r.Images,
        Steps = r.Steps,
        DurationMs = r.DurationMs,
        Outcome = r.Outcome,
        ErrorKind = r.ErrorKind,
        EstimatedCostUsd = r.EstimatedCostUsd is { } cost ? (double)cost : null,
        IsCloud = r.IsCloud,
    };
}
