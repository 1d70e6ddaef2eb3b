using Microsoft.Extensions.AI;
using OpenAI.Chat;
using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;

namespace WebDemo.Inference.Remote.Tasks.Chat;

/// <summary>
/// Writes what the OpenAI SDK (through Microsoft.Extensions.AI) would write otherwise, as the
/// Hugging Face chat-completion spec and the caller define it, in the SDK's own request options:
/// <list type="bullet">
/// <item>the output limit as <c>max_tokens</c>, the field the spec (and the providers behind the router)
/// define; the SDK writes <c>max_completion_tokens</c> and has no switch for the older name, so it is a JSON patch;</item>
/// <item>the caller's function tools with their parameter schemas as sent: Microsoft.Extensions.AI rewrites a
/// schema (it adds <c>"additionalProperties": false</c>, and fails on one whose additionalProperties is a schema),
/// with the caller's <c>tool_choice</c> and <c>parallel_tool_calls</c>.</item>
/// </list>
/// The only changes to the body, made in one place.
/// </summary>
internal sealed class HfRequestChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetResponseAsync(messages, ForRouter(options), cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetStreamingResponseAsync(messages, ForRouter(options), cancellationToken);

    private static ChatOptions? ForRouter(ChatOptions? options)
    {
        var max = options?.MaxOutputTokens;
        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        if (options is null || (max is null && tools.Count == 0))
            return options;
        if (tools.Count != (options.Tools?.Count ?? 0))
            throw new NotSupportedException("Only function declarations can be sent to the router as tools.");
        var previous = options.RawRepresentationFactory;
        var changed = options.Clone();
        changed.MaxOutputTokens = null; // else the SDK writes max_completion_tokens
        changed.Tools = null;           // else Microsoft.Extensions.AI rewrites their schemas
        changed.ToolMode = null;        // it writes tool_choice only with tools of its own
        changed.RawRepresentationFactory = client =>
        {
            var raw = previous?.Invoke(client) as ChatCompletionOptions ?? new ChatCompletionOptions();
            if (max is { } limit)
            {
#pragma warning disable SCME0001 // JsonPatch is marked experimental in System.ClientModel
                raw.Patch.Set("$.max_tokens"u8, limit);
#pragma warning restore SCME0001
            }
            foreach (var tool in tools)
                raw.Tools.Add(ChatTool.CreateFunctionTool(tool.Name, tool.Description, BinaryData.FromString(tool.JsonSchema.GetRawText())));
            raw.ToolChoice = options.ToolMode switch
            {
                NoneChatToolMode => ChatToolChoice.CreateNoneChoice(),
                AutoChatToolMode => ChatToolChoice.CreateAutoChoice(),
                RequiredChatToolMode { RequiredFunctionName: { } name } => ChatToolChoice.CreateFunctionChoice(name),
                RequiredChatToolMode => ChatToolChoice.CreateRequiredChoice(),
                _ => raw.ToolChoice,
            };
            if (tools.Count > 0 && options.AllowMultipleToolCalls is { } parallel)
                raw.AllowParallelToolCalls = parallel;
            return raw;
        };
        return changed;
    }
}
