using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace WebDemo.Inference.Streaming;

/// <summary>
/// Runs work that reports progress through <see cref="IProgress{T}"/> and turns that progress
/// into stream items as it happens, so a download's progress reaches the page live.
/// </summary>
public static class ProgressUpdates
{
    public static async IAsyncEnumerable<ProgressInfo> RunAsync<TResult>(
        Func<IProgress<ProgressInfo>, CancellationToken, Task<TResult>> work,
        StrongBox<TResult> result,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ProgressInfo>(new UnboundedChannelOptions { SingleReader = true });
        var progress = new ChannelProgress(channel.Writer);
        var task = Task.Run(async () =>
        {
            try { return await work(progress, cancellationToken).ConfigureAwait(false); }
            finally { channel.Writer.TryComplete(); }
        }, cancellationToken);

        await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return item;

        result.Value = await task.ConfigureAwait(false);
    }

    // Progress<T> posts to the captured synchronization context; this writes straight to the channel.
    private sealed class ChannelProgress(ChannelWriter<ProgressInfo> writer) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => writer.TryWrite(value);
    }
}
