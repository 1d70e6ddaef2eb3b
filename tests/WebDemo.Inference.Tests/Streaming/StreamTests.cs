using System.Runtime.CompilerServices;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tests.Streaming;

public class StreamTests
{
    private static async IAsyncEnumerable<int> FailsAfter(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return i;
        }
        throw new InferenceException(InferenceErrorKind.BackendFailed, "broke");
    }

    [Fact]
    public async Task Translate_keeps_what_came_before_an_error_and_ends_with_the_error_item()
    {
        var items = await FailsAfter(2).Translate(i => $"item {i}", e => $"error: {e.Message}").ToListAsync();

        Assert.Equal(["item 0", "item 1", "error: broke"], items);
    }

    [Fact]
    public async Task Progress_reported_by_work_streams_out_and_the_result_is_kept()
    {
        var result = new StrongBox<int>();
        var progress = await ProgressUpdates.RunAsync(async (report, ct) =>
        {
            report.Report(new ProgressInfo("download", "half", 0.5));
            await Task.Delay(10, ct);
            report.Report(new ProgressInfo("download", "done", 1.0));
            return 42;
        }, result).ToListAsync();

        Assert.Equal([0.5, 1.0], progress.Select(p => p.Fraction!.Value));
        Assert.Equal(42, result.Value);
    }

    [Fact]
    public async Task A_failure_of_the_work_reaches_the_reader()
    {
        var result = new StrongBox<int>();

        await Assert.ThrowsAsync<InferenceException>(async () =>
            await ProgressUpdates.RunAsync<int>((_, _) => throw new InferenceException(InferenceErrorKind.ModelUnavailable, "no"), result).ToListAsync());
    }
}
