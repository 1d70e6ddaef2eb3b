using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Remote.Tasks.Chat;

/// <summary>
/// Chat completions at <c>{router}/v1/chat/completions</c> through the OpenAI SDK, as an
/// <see cref="IChatClient"/> per provider. "auto" first sends the plain model id (the router's
/// own choice, with the caller's policy or else the configured one); a named provider is sent as <c>model:provider</c>.
/// </summary>
internal sealed class CloudChat(
    HuggingFaceToken token,
    ProviderMapping mapping,
    IHttpClientFactory httpClientFactory,
    IOptions<CloudOptions> cloudOptions,
    IOptions<ChatTaskOptions> chatOptions)
    : RouterTaskBackends<ChatCall, ChatDelta>(token, mapping, cloudOptions, ChatRequest.TaskName)
{
    public override CloudProvider? RouterChoice(string model) => new(ProviderNames.Auto, model + chatOptions.Value.AutoPolicy);

    public override ITaskBackend<ChatCall, ChatDelta> Create(CloudProvider provider, string model) =>
        provider.Name == ProviderNames.Auto
            ? new AutoPolicyBackend(policy => Backend(provider.Name, policy is null ? provider.ProviderModelId : model + policy))
            : Backend(provider.Name, $"{model}:{provider.Name}");

    private ChatClientBackend Backend(string provider, string routedModel) =>
        OpenAIChatBackend.Create(provider, routedModel, new Uri(Cloud.RouterUrl.TrimEnd('/') + "/v1"), Token.Value ?? "",
            httpClientFactory.CreateClient(RouterClient.HttpClientName), chatOptions.Value.Budget);

    /// <summary>"auto": the routed model id is chosen per call, as the caller's policy (":fastest", ":cheapest") wins over the configured one.</summary>
    private sealed class AutoPolicyBackend(Func<string?, ChatClientBackend> backendFor) : ITaskBackend<ChatCall, ChatDelta>
    {
        public string Provider => ProviderNames.Auto;

        public string? Device => null;

        public IAsyncEnumerable<InferenceUpdate<ChatDelta>> StreamAsync(ChatCall call, CancellationToken cancellationToken) =>
            backendFor(call.Policy).StreamAsync(call, cancellationToken);
    }
}
