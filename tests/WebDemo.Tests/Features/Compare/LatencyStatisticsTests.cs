using WebDemo.Features.Compare;

namespace WebDemo.Tests.Features.Compare;

/// <summary>The Compare page's figures against values worked out by hand (numpy's linear percentiles, the n − 1 deviation).</summary>
public sealed class LatencyStatisticsTests
{
    [Theory]
    // 10, 20, 30, 40: rank p/100 × 3; p50 → 1.5 → 25; p95 → 2.85 → 30 + 0.85 × 10 = 38.5; p25 → 0.75 → 17.5
    [InlineData(50, 25)]
    [InlineData(95, 38.5)]
    [InlineData(25, 17.5)]
    [InlineData(0, 10)]
    [InlineData(100, 40)]
    public void Percentiles_interpolate_between_the_closest_ranks(double percent, double expected) =>
        Assert.Equal(expected, LatencyStatistics.Percentile([40, 10, 30, 20], percent)!.Value, 9);

    [Fact]
    public void One_value_is_every_percentile_and_none_is_null()
    {
        Assert.Equal(7, LatencyStatistics.Percentile([7], 95));
        Assert.Null(LatencyStatistics.Percentile([], 50));
        Assert.Null(LatencyStatistics.StandardDeviation([]));
        Assert.Null(LatencyStatistics.FiveNumberSummary([]));
    }

    [Fact]
    public void The_standard_deviation_is_the_sample_one()
    {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squares sum 32, / 7 → 4.571428…, root 2.138089935…
        Assert.Equal(2.138089935, LatencyStatistics.StandardDeviation([2, 4, 4, 4, 5, 5, 7, 9])!.Value, 9);
        Assert.Equal(0, LatencyStatistics.StandardDeviation([3]));
    }

    [Fact]
    public void The_five_numbers_of_a_box_plot()
    {
        Assert.Equal(new FiveNumbers(1, 2, 3, 4, 5), LatencyStatistics.FiveNumberSummary([5, 1, 4, 2, 3]));
    }

    [Fact]
    public void A_target_summary_counts_measured_runs_only_and_reports_the_cold_start_apart()
    {
        RunResult Run(int sequence, double total, bool warmup = false, bool cold = false, string outcome = "ok", string? kind = null,
            string? servedBy = "together", double? first = 100, int? tokens = 10, double? rate = 50, double started = 0) =>
            new("auto", sequence, warmup, cold, started, outcome == "ok" ? first : null, total, tokens, rate, outcome == "ok" ? servedBy : null, outcome, kind);
        List<RunResult> runs =
        [
            Run(1, 5000, warmup: true, cold: true, started: 0),
            Run(2, 1000, started: 5000),
            Run(3, 2000, started: 6000, servedBy: "novita", first: 300, rate: 30),
            Run(4, 3000, started: 8000),
            Run(5, 400, outcome: "failed", kind: "RateLimited", started: 11000),
            Run(6, 100, outcome: "failed", kind: "RateLimited", started: 11400),
            Run(7, 50, outcome: "cancelled", started: 11500),
            new("other", 1, false, true, 0, 10, 10, null, null, "local", "ok"),
        ];

        var summary = TargetSummary.Of("auto", runs);

        Assert.Equal((3, 2, 1), (summary.Ok, summary.Failed, summary.Cancelled));
        Assert.Equal(new Dictionary<string, int> { ["RateLimited"] = 2 }, summary.FailuresByKind);
        Assert.Equal(2000, summary.TotalP50);
        Assert.Equal(2900, summary.TotalP95!.Value, 9); // 1000, 2000, 3000: rank 1.9 → 2000 + 0.9 × 1000
        Assert.Equal(1000, summary.TotalStandardDeviation!.Value, 9);
        Assert.Equal(100, summary.FirstResultP50);
        Assert.Equal(50, summary.TokensPerSecondMedian);
        Assert.Equal(5000, summary.ColdStartMs);
        Assert.Equal(0.4, summary.FailureRate!.Value, 9);
        Assert.Equal(1.45, summary.Spread!.Value, 9);
        // 3 ok runs from the first measured start (5000) to the last end (11400 + 100 = 11500): 6.5 s
        Assert.Equal(3 / 6.5, summary.RequestsPerSecond!.Value, 9);
        Assert.Equal(new Dictionary<string, int> { ["together"] = 2, ["novita"] = 1 }, summary.ServedBy);
    }
}
