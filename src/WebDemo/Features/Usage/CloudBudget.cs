using System.Globalization;
using Microsoft.Extensions.Options;
using WebDemo.Data;
using WebDemo.Inference.Usage;

namespace WebDemo.Features.Usage;

/// <summary>How much of today's cloud budget is used, and the limits (null: none).</summary>
public sealed record BudgetState(long TokensUsed, long? TokensLimit, decimal UsdUsed, decimal? UsdLimit, string? Refusal);

/// <summary>
/// The operator's daily cloud budget (<see cref="DailyBudgetOptions"/>): a running total of today's
/// (UTC) cloud tokens and estimated dollars, seeded from the store at start and kept up by every
/// recorded call, reset at midnight UTC. Only calls to Hugging Face Inference Providers count.
/// </summary>
internal sealed class CloudBudget(UsageStore store, IOptions<UsageOptions> options, TimeProvider time, ILogger<CloudBudget> logger)
    : ICloudBudget, IUsageRecorder, IHostedService
{
    private readonly Lock _gate = new();
    private DateTime _day = DateTime.MinValue;
    private long _tokens;
    private decimal _usd;

    private DailyBudgetOptions Limits => options.Value.DailyBudget;

    public string? Refusal => State.Refusal;

    public BudgetState State
    {
        get
        {
            long tokens;
            decimal usd;
            lock (_gate)
            {
                RollOver();
                (tokens, usd) = (_tokens, _usd);
            }
            var limits = Limits;
            var spent = tokens >= limits.Tokens
                ? string.Create(CultureInfo.InvariantCulture, $"{tokens:N0} of {limits.Tokens:N0} tokens")
                : limits.Usd is { } usdLimit && usd >= usdLimit
                    ? $"an estimated {UsageFormat.Usd(usd)} of {UsageFormat.Usd(usdLimit)}"
                    : null;
            return new BudgetState(tokens, limits.Tokens, usd, limits.Usd,
                spent is null ? null : $"Today's cloud budget of this app is spent ({spent}); local models still work. It renews at midnight UTC.");
        }
    }

    public void Record(UsageRecord record)
    {
        if (!record.IsCloud)
            return;
        lock (_gate)
        {
            RollOver();
            if (record.At.UtcDateTime.Date != _day)
                return; // a call that began yesterday and ended today counts today; one stamped yesterday does not
            _tokens += record.TokensIn + record.TokensOut;
            _usd += record.EstimatedCostUsd ?? 0m;
        }
    }

    private void RollOver()
    {
        var today = time.GetUtcNow().UtcDateTime.Date;
        if (today == _day)
            return;
        (_day, _tokens, _usd) = (today, 0, 0m);
    }

    async Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        if (Limits.Tokens is null && Limits.Usd is null)
            return;
        try
        {
            var (tokens, usd) = await store.CloudTodayAsync(cancellationToken);
            lock (_gate)
            {
                RollOver();
                _tokens += tokens;
                _usd += usd;
            }
        }
        catch (DataUnavailableException)
        {
            // Logged by the schema: the budget counts from now.
            logger.LogWarning("Today's cloud usage could not be read; the daily budget counts from now");
        }
    }

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
