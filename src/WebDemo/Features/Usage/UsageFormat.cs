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

    /// <summary>A price or a limit in dollars: "$0.20", "$0.0125" (invariant, at most four decimals).</summary>
    public static string Usd(decimal usd) => string.Create(CultureInfo.InvariantCulture, $"${usd:0.00##}");

    public static string Cost(double? usd) => usd is { } value
        ? string.Create(CultureInfo.InvariantCulture, $"~${value:0.00####}")
        : "—";
}
