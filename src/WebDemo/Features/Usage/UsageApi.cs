using WebDemo.Api;
using WebDemo.Data;
using WebDemo.Hosting;

namespace WebDemo.Features.Usage;

/// <summary>
/// <c>GET /api/usage</c>: the calling browser's own usage (by its cookie; none without one), and
/// <c>GET /operator/usage</c>: everyone's totals and the daily budget (operator token). JSON, camelCase.
/// </summary>
internal static class UsageApi
{
    public const int RecentCalls = 50;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/usage", BrowserAsync).RequireClientRateLimit();
        app.MapOperatorGroup().MapGet("/usage", OperatorAsync);
    }

    private static async Task<IResult> BrowserAsync(HttpContext http, UsageStore store, CancellationToken ct)
    {
        if (BrowserIds.Of(http) is not { } browser)
            return Results.Json(new { estimate = UsageFormat.EstimateNote, UsageSummary.Empty.Today, UsageSummary.Empty.Last7Days, calls = Array.Empty<UsageCall>() });
        try
        {
            var summary = await store.SummaryAsync(browser, ct);
            var calls = await store.RecentAsync(browser, RecentCalls, ct);
            return Results.Json(new { estimate = UsageFormat.EstimateNote, summary.Today, summary.Last7Days, calls });
        }
        catch (DataUnavailableException ex)
        {
            return InferenceProblems.Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    private static async Task<IResult> OperatorAsync(UsageStore store, CloudBudget budget, CancellationToken ct)
    {
        try
        {
            var summary = await store.SummaryAsync(null, ct);
            return Results.Json(new { estimate = UsageFormat.EstimateNote, summary.Today, summary.Last7Days, budget = budget.State });
        }
        catch (DataUnavailableException ex)
        {
            return InferenceProblems.Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }
}
