using System.Runtime.CompilerServices;
using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Streaming;

public static class StreamErrors
{
    /// <summary>
    /// Maps each item of a stream; an <see cref="InferenceException"/> raised while streaming
    /// becomes one last item from <paramref name="onError"/> (which may also throw, to translate it).
    /// C# cannot yield inside a catch, hence this one shared loop for every adapter.
    /// </summary>
    public static async IAsyncEnumerable<TOut> Translate<TIn, TOut>(
        this IAsyncEnumerable<TIn> stream, Func<TIn, TOut> map, Func<InferenceException, TOut> onError,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var items = stream.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            TOut next;
            var failed = false;
            try
            {
                if (!await items.MoveNextAsync().ConfigureAwait(false))
                    yield break;
                next = map(items.Current);
            }
            catch (InferenceException ex)
            {
                next = onError(ex);
                failed = true;
            }
            yield return next;
            if (failed)
                yield break;
        }
    }
}
