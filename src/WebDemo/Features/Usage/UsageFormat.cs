using System.Globalization;

namespace WebDemo.Features.Usage;

/// <summary>Usage figures in words, the same on the Status page and the usage page.</summary>
internal static class UsageFormat
{
    public const string EstimateNote =
        "Costs are estimates from the prices the Hugging Face router lists per million tokens, not a bill; calls without a listed price (images, unlisted providers) are not in them.";

    /// <summary>"~$0.0123", with how many calls had no price; "—" when none had one.</summary>
    public static string Cost(UsageTotal total) => total.Unpriced == total.Calls ? "—"
        : Cost(total.EstimatedCostUsd) + (total.Unpriced > 0 ? $" ({total.Unpriced:N0} unpriced)" : "");

    public static string Cost(double? usd) => usd is { } value
        ? string.Create(CultureInfo.InvariantCulture, $"~${value:0.00####}")
        : "—";
}
