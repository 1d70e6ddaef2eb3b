using Microsoft.Extensions.AI;
using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;

namespace WebDemo.Inference.Remote.Tasks.Chat;

/// <summary>
/// Sends the output limit as <c>max_tokens</c>, the field the Hugging Face chat-completion spec
/// (and the providers behind the router) define. The OpenAI SDK writes <c>max_completion_tokens</c>
/// and has no switch for the older name, so the limit is moved into the SDK's own request
/// options as a JSON patch: the only change to the body, made in one place.
/// </summary>
internal sealed class MaxTokensChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetResponseAsync(messages, WithMaxTokens(options), cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetStreamingResponseAsync(messages, WithMaxTokens(options), cancellationToken);

    private static ChatOptions? WithMaxTokens(ChatOptions? options)
    {
        if (options?.MaxOutputTokens is not { } max)
            return options;
        var previous = options.RawRepresentationFactory;
        var changed = options.Clone();
        changed.MaxOutputTokens = null; // else the SDK writes max_completion_tokens
        changed.RawRepresentationFactory = client =>
        {
            var raw = previous?.Invoke(client) as ChatCompletionOptions ?? new ChatCompletionOptions();
#pragma warning disable SCME0001 // JsonPatch is marked experimental in System.ClientModel
            raw.Patch.Set("$.max_tokens"u8, max);
#pragma warning restore SCME0001
            return raw;
        };
        return changed;
    }
}
