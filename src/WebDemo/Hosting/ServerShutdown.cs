using System.Runtime.CompilerServices;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;

namespace WebDemo.Hosting;

/// <summary>
/// When the app is asked to stop (SIGTERM: a Space restarting, an update), a stream still running
/// ends with an error in words, keeping what arrived, instead of hanging until the host's
/// shutdown timeout or being cut without a word.
/// </summary>
internal static class ServerShutdown
{
    public const string Message = "The server is shutting down (a restart or an update); what arrived so far is kept. Try again in a moment.";

    public static async IAsyncEnumerable<InferenceUpdate<T>> EndOnShutdown<T>(
        this IAsyncEnumerable<InferenceUpdate<T>> updates, CancellationToken stopping,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        await using var items = updates.GetAsyncEnumerator(linked.Token);
        while (true)
        {
            try
            {
                if (!await items.MoveNextAsync().ConfigureAwait(false))
                    yield break;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new InferenceException(InferenceErrorKind.ModelUnavailable, Message);
            }
            yield return items.Current;
        }
    }
}
