using WebDemo.Inference.Status;

namespace WebDemo.Features.Usage;

/// <summary>The Status page's usage: totals per provider and model for today and the last 7 days, and the daily cloud budget.</summary>
internal sealed class UsageStatus(UsageStore store, CloudBudget budget) : IStatusContributor
{
    private static readonly string[] Columns = ["Provider", "Model", "Calls", "Failed", "Tokens in", "Tokens out", "Images", "Est. cost (USD)"];

    public IReadOnlyList<StatusSection> Describe()
    {
        var summary = store.Current;
        return
        [
            new StatusSection(70, "Usage today (UTC)", "usage-today", [.. BudgetLines(), new StatusLine(UsageFormat.EstimateNote)],
                Table(summary.Today, "usage-today-table"), Wide: true),
            new StatusSection(71, "Usage, last 7 days", "usage-week", [], Table(summary.Last7Days, "usage-week-table"), Wide: true),
        ];
    }

    private IEnumerable<StatusLine> BudgetLines()
    {
        var state = budget.State;
        if (state.TokensLimit is null && state.UsdLimit is null)
        {
            yield return new StatusLine("Daily cloud budget: none set.");
            yield break;
        }
        var chip = state.Refusal is null ? new StatusChip("cloud on", StatusTone.Good) : new StatusChip("cloud stopped", StatusTone.Bad);
        var used = string.Join("; ", new[]
        {
            state.TokensLimit is { } tokens ? $"{state.TokensUsed:N0} of {tokens:N0} tokens" : null,
            state.UsdLimit is { } usd ? $"{UsageFormat.Cost((double)state.UsdUsed)} of {UsageFormat.Usd(usd)}" : null,
        }.OfType<string>());
        yield return new StatusLine($"Daily cloud budget: {used}", [chip], state.Refusal, Id: "usage-budget");
    }

    private static StatusTable Table(IReadOnlyList<UsageTotal> totals, string id) => new(Columns,
        totals.Select(t => (IReadOnlyList<StatusCell>)
        [
            t.Provider, t.Model, $"{t.Calls:N0}", $"{t.Failed:N0}", $"{t.TokensIn:N0}", $"{t.TokensOut:N0}", $"{t.Images:N0}", UsageFormat.Cost(t),
        ]).ToList(), id, "No calls.");
}
