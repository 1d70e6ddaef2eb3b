using Bunit;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Components.Pages;
using WebDemo.Inference.Status;

namespace WebDemo.Tests.Components.Pages;

/// <summary>The Status page's table cells (bUnit): an error reads as one, a note (how a model decodes, where its cache is) as plain text.</summary>
public sealed class StatusPageTests : IAsyncDisposable
{
    private readonly BunitContext _ctx = MudTestContext.Create();

    private sealed class OneTable : IStatusContributor
    {
        public IReadOnlyList<StatusSection> Describe() =>
        [
            new(1, "Local models", "local-models", [], new StatusTable(["Model", "State"],
            [
                ["org/works", new StatusCell([], new StatusChip("loaded", StatusTone.Good), Note: "Greedy requests guess up to 8 tokens ahead.")],
                ["org/broken", new StatusCell([], new StatusChip("not loaded"), Error: "onnx/model.onnx is missing.")],
            ], "models")),
        ];
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();

    [Fact]
    public void A_note_is_plain_text_after_the_chip_and_an_error_is_marked_as_one()
    {
        _ctx.Services.AddSingleton<IEnumerable<IStatusContributor>>([new OneTable()]);

        var cells = _ctx.Render<Status>().FindAll("[data-testid=models] td[data-label=State]");

        var note = cells[0].QuerySelectorAll(".mud-typography").Single(e => e.TextContent.Contains("guess", StringComparison.Ordinal));
        var error = cells[1].QuerySelectorAll(".mud-typography").Single(e => e.TextContent.Contains("missing", StringComparison.Ordinal));
        Assert.DoesNotContain("mud-error-text", note.ClassName, StringComparison.Ordinal);
        Assert.Contains("mud-error-text", error.ClassName, StringComparison.Ordinal);
    }
}
