using System.Globalization;
using System.Text;
using System.Text.Json;
using WebDemo.Api;
using WebDemo.Components.Shared;
using WebDemo.Data;
using WebDemo.Hosting;

namespace WebDemo.Features.Flagging;

/// <summary>A flag as the operator listing shows it: inputs, output and provenance as JSON values, not strings.</summary>
internal sealed record FlagView(
    long Id, DateTime CreatedAt, string Task, string? Model, string Comment, string? BrowserId,
    JsonElement Inputs, JsonElement Output, JsonElement? Provenance)
{
    public static FlagView Of(Flag flag) => new(flag.Id, flag.CreatedAt, flag.Task, flag.Model, flag.Comment, flag.BrowserId,
        Parse(flag.Inputs), Parse(flag.Output), flag.Provenance is null ? null : Parse(flag.Provenance));

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

/// <summary>The operator's view of the flags: <c>GET /operator/flags</c> (JSON, newest first, in pages) and <c>GET /operator/flags.csv</c> (all).</summary>
internal static class FlagsOperatorApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1_000;

    private static readonly string[] CsvHeader = ["id", "created_at", "task", "model", "browser_id", "comment", "inputs", "output", "provenance"];

    public static void Map(IEndpointRouteBuilder app)
    {
        var operatorApi = app.MapOperatorGroup();
        operatorApi.MapGet("/flags", ListAsync);
        operatorApi.MapGet("/flags.csv", CsvAsync);
    }

    /// <summary><c>?limit=</c> flags (1 to 1,000; 100 by default), older than the flag <c>?before=</c> when given; <c>next</c> is the following page.</summary>
    private static async Task<IResult> ListAsync(FlagStore store, int? limit, long? before, CancellationToken ct)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed request",
                detail: $"'limit' must be between 1 and {MaxLimit:N0}.");
        try
        {
            var flags = await store.ListAsync(take, before, ct);
            var next = flags.Count == take ? $"{OperatorAccess.Prefix}/flags?limit={take}&before={flags[^1].Id}" : null;
            return Results.Json(new { total = await store.CountAsync(ct), next, flags = flags.Select(FlagView.Of) });
        }
        catch (DataUnavailableException ex)
        {
            return InferenceProblems.Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    /// <summary>
    /// Every flag, oldest first, as RFC 4180 CSV in UTF-8 (with a byte order mark, so spreadsheets
    /// read it as UTF-8). Text cells a spreadsheet would run as a formula are defused.
    /// </summary>
    private static async Task<IResult> CsvAsync(FlagStore store, CancellationToken ct)
    {
        try
        {
            await store.EnsureAvailableAsync(ct);
        }
        catch (DataUnavailableException ex)
        {
            return InferenceProblems.Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
        return Results.Stream(async body =>
        {
            await using var csv = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 64 * 1024);
            await csv.WriteAsync(ResultFiles.CsvRow(CsvHeader));
            await foreach (var flag in store.AllAsync(ct))
            {
                await csv.WriteAsync(ResultFiles.CsvRow([
                    flag.Id.ToString(CultureInfo.InvariantCulture),
                    flag.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
                    .. new[] { flag.Task, flag.Model ?? "", flag.BrowserId ?? "", flag.Comment, flag.Inputs, flag.Output, flag.Provenance ?? "" }
                        .Select(ResultFiles.SpreadsheetSafe),
                ]));
            }
        }, contentType: "text/csv; charset=utf-8", fileDownloadName: "flags.csv");
    }
}
