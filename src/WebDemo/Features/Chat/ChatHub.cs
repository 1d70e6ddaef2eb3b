using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.AI;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Hubs;

/// <summary>One message of a hub chat: role "system", "user" or "assistant", and its text.</summary>
public sealed record ChatHubMessage(string Role, string Content);

/// <summary>
/// A chat over the SignalR hub, in the OpenAI request's terms: the messages, the model (with
/// <paramref name="Provider"/> "local", "auto" or a provider's name), and the sampling settings.
/// </summary>
public sealed record ChatHubRequest(
    IReadOnlyList<ChatHubMessage> Messages, string? Model = null, string? Provider = null,
    float? Temperature = null, float? TopP = null, int? MaxTokens = null, long? Seed = null, IReadOnlyList<string>? Stop = null,
    bool Failover = false);

public sealed partial class InferenceHub
{
    /// <summary>
    /// <c>connection.StreamAsync&lt;InferenceUpdate&lt;ChatDelta&gt;&gt;("Chat", request)</c>: the same chat as the page and
    /// /v1/chat/completions, the answer's pieces as they come, then the provenance.
    /// </summary>
    public IAsyncEnumerable<InferenceUpdate<ChatDelta>> Chat(ChatHubRequest request, CancellationToken cancellationToken)
    {
        if (request?.Messages is null)
            throw new HubException("Send the messages: [{role, content}].");
        var messages = request.Messages.Select(m => m?.Role is "system" or "user" or "assistant"
            ? new ChatMessage(new ChatRole(m.Role), m.Content ?? "")
            : throw new HubException($"A message's role must be system, user or assistant, not '{m?.Role}'.")).ToList();
        var options = new ChatOptions
        {
            Temperature = request.Temperature, TopP = request.TopP, MaxOutputTokens = request.MaxTokens, Seed = request.Seed,
            StopSequences = request.Stop?.ToList(),
        };
        return Run<ChatRequest, ChatDelta>(new ChatRequest(messages, request.Model, request.Provider, options, Failover: request.Failover), cancellationToken);
    }
}
