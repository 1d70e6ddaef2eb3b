using System.ComponentModel.DataAnnotations;

namespace WebDemo.Features.Compare;

/// <summary>
/// The Compare page's limits (section "Compare"), so that one visitor can neither spend the
/// operator's credits nor stall the server.
/// </summary>
public sealed class CompareOptions
{
    public const string Section = "Compare";

    /// <summary>The most measured runs per target.</summary>
    [Range(1, 1000)]
    public int MaxRuns { get; set; } = 50;

    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>The most runs × concurrency of one comparison (20 runs at 4 at once is 80).</summary>
    [Range(1, 100_000)]
    public int MaxRunsTimesConcurrency { get; set; } = 200;

    [Range(1, 50)]
    public int MaxTargets { get; set; } = 8;

    [Range(0, 10)]
    public int MaxWarmupRuns { get; set; } = 3;

    [Range(1, 100_000)]
    public int MaxPromptCharacters { get; set; } = 4000;

    /// <summary>The most tokens an answer may have in a comparison; the page's default is lower.</summary>
    [Range(1, 4096)]
    public int MaxNewTokens { get; set; } = 512;

    /// <summary>How many comparisons may run on the server at once, all visitors together.</summary>
    [Range(1, 100)]
    public int MaxRunning { get; set; } = 2;

    /// <summary>
    /// When on, a comparison with a cloud target wants the operator token (<c>Operator:Token</c>),
    /// typed on the page: only the operator spends the app's credits on measurements.
    /// </summary>
    public bool RequireOperatorTokenForCloud { get; set; }

    /// <summary>How long saved comparisons are kept.</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>The most saved comparisons per browser; the oldest go first.</summary>
    [Range(1, 1000)]
    public int MaxSavedPerBrowser { get; set; } = 20;
}
