using System.ComponentModel.DataAnnotations;

namespace WebDemo.Features.Usage;

/// <summary>Usage accounting (section "Usage"): how long calls are kept, and the operator's daily cloud budget.</summary>
public sealed class UsageOptions
{
    public const string Section = "Usage";

    /// <summary>Calls older than this are deleted.</summary>
    [Range(1, 3_650)]
    public int RetentionDays { get; set; } = 30;

    public DailyBudgetOptions DailyBudget { get; set; } = new();
}

/// <summary>
/// A limit on each UTC day's calls to Hugging Face Inference Providers (section "Usage:DailyBudget");
/// null is no limit. Once either is reached, cloud calls stop until midnight UTC; local models work on.
/// </summary>
public sealed class DailyBudgetOptions
{
    /// <summary>Tokens in and out together.</summary>
    public long? Tokens { get; set; }

    /// <summary>Estimated US dollars, from the catalogue's prices (calls without a listed price count nothing).</summary>
    public decimal? Usd { get; set; }
}
