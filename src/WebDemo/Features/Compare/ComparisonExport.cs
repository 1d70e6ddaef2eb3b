using WebDemo.Components.Shared;

namespace WebDemo.Features.Compare;

/// <summary>A comparison as files: JSON with the settings, the per-target figures and every run; CSV with one row per run.</summary>
internal static class ComparisonExport
{
    public static readonly IReadOnlyList<string> CsvHeader =
        ["target", "sequence", "warmup", "cold", "started_ms", "first_result_ms", "total_ms", "tokens_out", "tokens_per_second", "served_by", "outcome", "error_kind"];

    public static string Json(CompareSettings settings, IReadOnlyList<TargetSummary> summaries, IReadOnlyList<RunResult> runs) =>
        ResultFiles.Json(new
        {
            settings,
            targets = summaries.Select(s => new
            {
                s.Target, s.Ok, s.Failed, s.Cancelled, s.FailuresByKind,
                s.FirstResultP50, s.FirstResultP95, s.TotalP50, s.TotalP95, s.TotalStandardDeviation, s.Spread, s.FailureRate,
                s.TokensPerSecondMedian, s.RequestsPerSecond, s.ColdStartMs, s.ServedBy,
            }),
            runs = runs.Select(r => new
            {
                r.Target, r.Sequence, r.Warmup, r.Cold, r.StartedMs, r.FirstResultMs, r.TotalMs, r.TokensOut, r.TokensPerSecond,
                r.ServedBy, r.Outcome, r.ErrorKind,
            }),
        });

    public static string Csv(IReadOnlyList<RunResult> runs) =>
        ResultFiles.Csv(CsvHeader, runs.Select(r => (IReadOnlyList<object?>)
        [
            ResultFiles.SpreadsheetSafe(r.Target), r.Sequence, r.Warmup, r.Cold, Math.Round(r.StartedMs, 1), r.FirstResultMs is { } f ? Math.Round(f, 1) : null,
            Math.Round(r.TotalMs, 1), r.TokensOut, r.TokensPerSecond is { } t ? Math.Round(t, 2) : null, r.ServedBy, r.Outcome, r.ErrorKind,
        ]));
}
