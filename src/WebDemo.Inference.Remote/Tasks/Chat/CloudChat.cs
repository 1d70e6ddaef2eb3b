using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Remote.Tasks.Chat;

/// <summary>
/// Chat completions at <c>{router}/v1/chat/completions</c> through the OpenAI SDK, as an
/// <see cref="IChatClient"/> per provider. "auto" first sends the plain model id (the router's
/// own choice, with the configured policy); a named provider is sent as <c>model:provider</c>.
/// </summary>
internal sealed class CloudChat(
    HuggingFaceToken token,
    ProviderMapping mapping,
    IHttpClientFactory httpClientFactory,
    IOptions<CloudOptions> cloudOptions,
    IOptions<ChatTaskOptions> chatOptions)
    : RouterTaskBackends<ChatCall, ChatDelta>(token, mapping, ChatRequest.TaskName)
{
    public override CloudProvider? RouterChoice(string model) => new(ProviderNames.Auto, model + chatOptions.Value.AutoPolicy);

    public override ITaskBackend<ChatCall, ChatDelta> Create(CloudProvider provider, string model)
    {
        var routedModel = provider.Name == ProviderNames.Auto ? provider.ProviderModelId : $"{model}:{provider.Name}";
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(cloudOptions.Value.RouterUrl.TrimEnd('/') + "/v1"),
            Transport = new HttpClientPipelineTransport(httpClientFactory.CreateClient(RouterClient.HttpClientName)),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // Polly retries, per provider, in RouterHandler
            NetworkTimeout = Timeout.InfiniteTimeSpan,          // the stream budgets apply instead
        };
        var chat = new ChatClient(routedModel, new ApiKeyCredential(Token.Value ?? ""), options).AsIChatClient();
        var budget = chatOptions.Value.Budget;
        var connect = new SingleResponseTimeouts { Attempt = budget.FirstChunk, Total = budget.FirstChunk * 2 };
        return new ChatClientBackend(provider.Name, new RouterChatClient(chat, provider.Name, connect), budget);
    }
}
