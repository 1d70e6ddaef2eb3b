using System.Runtime.CompilerServices;
using System.Threading.Channels;
using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// Runs a model's generation loop on a pool thread, step by step, and hands each piece it writes
/// to the caller as it comes. A caller that stops reading (or cancels) stops the loop within one
/// step; an unexpected failure becomes a <see cref="InferenceErrorKind.BackendFailed"/> error naming the model.
/// </summary>
internal static class BackgroundGeneration
{
    public static async IAsyncEnumerable<T> StreamAsync<T>(
        string model, Action<ChannelWriter<T>, CancellationToken> produce, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var updates = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() =>
        {
            try
            {
                produce(updates.Writer, stop.Token);
                updates.Writer.TryComplete();
            }
            catch (Exception ex) when (ex is InferenceException or OperationCanceledException)
            {
                updates.Writer.TryComplete(ex);
            }
            catch (Exception ex)
            {
                updates.Writer.TryComplete(new InferenceException(InferenceErrorKind.BackendFailed,
                    $"{model} failed while generating: {ex.Message}", ex));
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var update in updates.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return update;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }
}
