using MudBlazor;

namespace WebDemo.Components.Layout;

/// <summary>The task pages that work, for the navigation drawer and the home page. Add a page here when it lands.</summary>
public sealed record TaskPage(string Title, string Href, string Icon, string Description)
{
    public static IReadOnlyList<TaskPage> All { get; } =
    [
        new("Sentiment", "sentiment", Icons.Material.Filled.SentimentSatisfied,
            "Is a text positive or negative? One line per text, results as each line is scored."),
    ];
}
