using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Remote.Chat;
using WebDemo.Inference.Remote.Resilience;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Tasks.Chat;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>
/// Hugging Face Inference Providers through the router: the task endpoints (<see cref="ICloudInference"/>)
/// and chat completions at <c>{router}/v1/chat/completions</c> through the OpenAI SDK (<see cref="ICloudChat"/>).
/// </summary>
public sealed class HuggingFaceCloud(
    HuggingFaceToken token,
    ProviderMapping mapping,
    HfTaskClient client,
    IHttpClientFactory httpClientFactory,
    IOptions<CloudOptions> cloudOptions,
    IOptions<ChatTaskOptions> chatOptions) : ICloudInference, ICloudChat
{
    public string? UnavailableReason => token.IsConfigured
        ? null
        : "Cloud providers need a Hugging Face token: set HF_TOKEN (or run `hf auth login`) and restart. Local models work without one.";

    public async Task<IReadOnlyList<CloudProvider>> ProvidersAsync(string model, string task, CancellationToken cancellationToken) =>
        (await mapping.LiveProvidersAsync(model, task, cancellationToken).ConfigureAwait(false))
            .Select(e => new CloudProvider(e.Provider, string.IsNullOrEmpty(e.ProviderModelId) ? model : e.ProviderModelId))
            .ToList();

    public Task<IReadOnlyList<CloudProvider>> ProvidersAsync(string model, CancellationToken cancellationToken) =>
        ProvidersAsync(model, ChatService.Task, cancellationToken);

    public ITextClassificationBackend TextClassification(string provider, string providerModelId) =>
        new CloudTextClassificationBackend(provider, providerModelId, client);

    public IChatClient ClientFor(string provider, string routedModel)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(cloudOptions.Value.RouterUrl.TrimEnd('/') + "/v1"),
            Transport = new HttpClientPipelineTransport(httpClientFactory.CreateClient(HfTaskClient.HttpClientName)),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // Polly retries, per provider, in RouterHandler
            NetworkTimeout = Timeout.InfiniteTimeSpan,          // the stream budgets apply instead
        };
        var chat = new ChatClient(routedModel, new ApiKeyCredential(token.Value ?? ""), options).AsIChatClient();
        var firstChunk = chatOptions.Value.Budget.FirstChunk;
        return new RouterChatClient(chat, provider, new SingleResponseTimeouts { Attempt = firstChunk, Total = firstChunk * 2 });
    }
}
