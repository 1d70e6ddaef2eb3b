using System.Runtime.CompilerServices;
using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Streaming;

/// <summary>
/// Time budgets of a streamed answer: one 30 s timeout fits none of it. The first chunk may take
/// long (queueing, model loading); after that, a gap between chunks means a stalled stream; and
/// the whole answer has its own limit.
/// </summary>
public sealed class StreamBudget
{
    public TimeSpan FirstChunk { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan BetweenChunks { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan Total { get; set; } = TimeSpan.FromMinutes(5);
}

public static class StreamBudgets
{
    /// <summary>
    /// Passes the stream through, failing it with a <see cref="InferenceErrorKind.TimedOut"/> error
    /// in words when the first item, a next item or the whole stream takes longer than its budget.
    /// </summary>
    public static async IAsyncEnumerable<T> WithBudget<T>(
        this IAsyncEnumerable<T> source, StreamBudget budget, string provider,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var total = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        total.CancelAfter(budget.Total);
        using var step = CancellationTokenSource.CreateLinkedTokenSource(total.Token);
        step.CancelAfter(budget.FirstChunk);
        await using var items = source.GetAsyncEnumerator(step.Token);
        var count = 0;
        while (true)
        {
            bool more;
            try
            {
                more = await items.MoveNextAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var message = total.IsCancellationRequested
                    ? $"{provider} did not finish within {budget.Total.TotalSeconds:0} s ({count} chunks arrived)."
                    : count == 0
                        ? $"{provider} sent nothing within {budget.FirstChunk.TotalSeconds:0} s."
                        : $"{provider} stalled: nothing for {budget.BetweenChunks.TotalSeconds:0} s after {count} chunks.";
                throw new InferenceException(InferenceErrorKind.TimedOut, message) { Provider = provider };
            }
            if (!more)
                yield break;
            count++;
            step.CancelAfter(budget.BetweenChunks); // restarts the idle clock
            yield return items.Current;
        }
    }
}
