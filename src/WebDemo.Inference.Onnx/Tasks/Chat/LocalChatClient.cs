using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace WebDemo.Inference.Onnx.Tasks.Chat;

/// <summary>A local chat model as a Microsoft.Extensions.AI <see cref="IChatClient"/>, like every other chat backend.</summary>
internal sealed class LocalChatClient(LocalChatModel model) : IChatClient
{
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in model.GenerateAsync([.. messages], options, cancellationToken).ConfigureAwait(false))
            yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("webdemo-onnxruntime", defaultModelId: model.Id)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The model is shared and owned by the loader.
    }
}
