using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Remote.Tasks.Chat;

/// <summary>
/// A chat backend through the OpenAI SDK at any OpenAI-compatible endpoint (the Hugging Face
/// router, an operator's server), the same way for each: Polly in the HTTP client's
/// <see cref="HuggingFace.Resilience.RouterHandler"/> instead of the SDK's retries, the stream
/// budgets instead of a network timeout, the body as <see cref="HfRequestChatClient"/> writes it,
/// transport faults in words (<see cref="RouterChatClient"/>).
/// </summary>
internal static class OpenAIChatBackend
{
    /// <param name="provider">The provider name the answer is credited to, and whose pipeline and circuit apply.</param>
    /// <param name="model">The model id as sent.</param>
    /// <param name="keySetting">For an operator's server: where its key is set (see <see cref="HuggingFace.Resilience.RouterCall"/>).</param>
    public static ChatClientBackend Create(string provider, string model, Uri endpoint, string apiKey, HttpClient http, StreamBudget budget,
        string? keySetting = null)
    {
        var chat = new ChatClient(model, new ApiKeyCredential(apiKey), ClientOptions(endpoint, http)).AsIChatClient();
        var connect = new SingleResponseTimeouts { Attempt = budget.FirstChunk, Total = budget.FirstChunk * 2 };
        return new ChatClientBackend(provider, new RouterChatClient(new HfRequestChatClient(chat), provider, connect, keySetting), budget);
    }

    /// <summary>The SDK's options for an endpoint: our HTTP client, no SDK retries (Polly retries, per provider), no network timeout (the budgets apply).</summary>
    public static OpenAIClientOptions ClientOptions(Uri endpoint, HttpClient http) => new()
    {
        Endpoint = endpoint,
        Transport = new HttpClientPipelineTransport(http),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = Timeout.InfiniteTimeSpan,
    };
}
