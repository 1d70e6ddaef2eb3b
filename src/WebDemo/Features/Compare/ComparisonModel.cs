using WebDemo.Inference.Routing;

namespace WebDemo.Features.Compare;

/// <summary>
/// One thing a comparison measures: a provider ("local", "auto", a provider's or an operator
/// server's name), the model it is asked for, and for "auto" the router's policy (":fastest",
/// ":cheapest"; chat only).
/// </summary>
internal sealed record CompareTarget(string Provider, string Model, string? Policy = null)
{
    /// <summary>How the page and the files name it: "auto:fastest", "together", "local · org/model".</summary>
    public string Label => Provider == ProviderNames.Local ? $"local · {Model}" : Provider + (Policy ?? "");

    public bool IsCloud => Provider != ProviderNames.Local;
}

/// <summary>What a visitor asked to compare.</summary>
/// <param name="Task">The task's key on the page: "chat", "summarization", "sentiment" or "image".</param>
/// <param name="Model">The cloud model the cloud targets are asked for; null without cloud targets.</param>
/// <param name="Runs">Measured runs per target, after the warm-up runs.</param>
/// <param name="Concurrency">How many runs of one target are in flight at once.</param>
/// <param name="WarmupRuns">Runs per target before the measured ones; reported, never counted.</param>
/// <param name="MaxNewTokens">For the text tasks that generate: the most tokens each answer may have.</param>
/// <param name="UseExamples">Whether the runs cycle through the task's examples (run 1 the first, …) instead of <paramref name="Prompt"/>.</param>
public sealed record CompareSettings(
    string Task,
    string? Model,
    IReadOnlyList<CompareTargetSetting> Targets,
    int Runs,
    int Concurrency,
    int WarmupRuns,
    string Prompt,
    int? MaxNewTokens = null,
    bool UseExamples = false);

/// <summary>A target as the settings keep it (and the JSON export writes it).</summary>
public sealed record CompareTargetSetting(string Provider, string Model, string? Policy = null);

/// <summary>
/// One call of one target, as it ended. Times are in milliseconds; <paramref name="StartedMs"/>
/// counts from the start of the comparison.
/// </summary>
/// <param name="Sequence">1, 2, … within the target, warm-up runs first.</param>
/// <param name="Cold">The target's first call in this comparison (a model to load, a connection to open).</param>
/// <param name="FirstResultMs">From the call to its first output (a token, a line, a step); null when none came.</param>
/// <param name="ServedBy">The provider that answered (for "auto", the one the router or the failover chose).</param>
/// <param name="Outcome">"ok", "failed" or "cancelled" (stopped by the visitor).</param>
/// <param name="ErrorKind">For a failure: the error's kind (Timeout, RateLimited, …).</param>
public sealed record RunResult(
    string Target,
    int Sequence,
    bool Warmup,
    bool Cold,
    double StartedMs,
    double? FirstResultMs,
    double TotalMs,
    int? TokensOut,
    double? TokensPerSecond,
    string? ServedBy,
    string Outcome,
    string? ErrorKind = null,
    string? Error = null)
{
    public bool Ok => Outcome == "ok";

    public bool Failed => Outcome == "failed";
}

/// <summary>A target's figures over its measured (not warm-up) runs.</summary>
public sealed record TargetSummary(
    string Target,
    int Ok,
    int Failed,
    int Cancelled,
    IReadOnlyDictionary<string, int> FailuresByKind,
    double? FirstResultP50,
    double? FirstResultP95,
    double? TotalP50,
    double? TotalP95,
    double? TotalStandardDeviation,
    double? TokensPerSecondMedian,
    double? RequestsPerSecond,
    double? ColdStartMs,
    IReadOnlyDictionary<string, int> ServedBy)
{
    /// <summary>Failed runs over finished ones (ok and failed; stopped ones do not count).</summary>
    public double? FailureRate => Ok + Failed == 0 ? null : (double)Failed / (Ok + Failed);

    /// <summary>p95 over p50 of the total latency: 1 for a provider that always takes the same time.</summary>
    public double? Spread => TotalP50 is > 0 && TotalP95 is { } p95 ? p95 / TotalP50 : null;

    public static TargetSummary Of(string target, IReadOnlyList<RunResult> results)
    {
        var measured = results.Where(r => r.Target == target && !r.Warmup).ToList();
        var ok = measured.Where(r => r.Ok).ToList();
        var totals = ok.Select(r => r.TotalMs).ToList();
        var firsts = ok.Where(r => r.FirstResultMs is not null).Select(r => r.FirstResultMs!.Value).ToList();
        // Requests per second at the chosen concurrency: the finished runs over the time from the
        // first measured start to the last measured end.
        var finished = measured.Where(r => r.Outcome != "cancelled").ToList();
        double? perSecond = null;
        if (ok.Count > 0)
        {
            var wall = finished.Max(r => r.StartedMs + r.TotalMs) - finished.Min(r => r.StartedMs);
            perSecond = wall > 0 ? ok.Count / (wall / 1000) : null;
        }
        return new TargetSummary(
            target,
            ok.Count,
            measured.Count(r => r.Failed),
            measured.Count(r => r.Outcome == "cancelled"),
            measured.Where(r => r.Failed).GroupBy(r => r.ErrorKind ?? "Unknown").ToDictionary(g => g.Key, g => g.Count()),
            LatencyStatistics.Percentile(firsts, 50),
            LatencyStatistics.Percentile(firsts, 95),
            LatencyStatistics.Percentile(totals, 50),
            LatencyStatistics.Percentile(totals, 95),
            LatencyStatistics.StandardDeviation(totals),
            LatencyStatistics.Percentile(ok.Where(r => r.TokensPerSecond is not null).Select(r => r.TokensPerSecond!.Value), 50),
            perSecond,
            results.FirstOrDefault(r => r.Target == target && r.Cold && r.Ok)?.TotalMs,
            ok.Where(r => r.ServedBy is not null).GroupBy(r => r.ServedBy!).ToDictionary(g => g.Key, g => g.Count()));
    }
}
