using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.OpenAICompatible;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Remote.Tasks.Chat;

/// <summary>
/// Chat's cloud side: the operator's OpenAI-compatible servers, then the Hugging Face router
/// (<see cref="CloudChat"/>). How they share a chain:
/// <list type="bullet">
/// <item>a model that configured servers serve goes to them first, in configuration order; <c>auto</c> tries each
/// server that lists it, then (when it is also one of Chat:DefaultModel/Chat:Models and a token is set)
/// its Hugging Face providers from the Hub's mapping, then the local model;</item>
/// <item>a model no server lists goes to the router as before (the router's own choice first for <c>auto</c>);</item>
/// <item>a server may be named as a provider (<c>model:ollama</c>) for a model it lists; only the
/// models of Chat:DefaultModel/Chat:Models are ever sent to the router with the app's token.</item>
/// </list>
/// </summary>
internal sealed class ChatBackends(CloudChat router, OpenAICompatibleServers servers, IOptions<ChatTaskOptions> chatOptions)
    : ICloudTaskBackends<ChatCall, ChatDelta>
{
    public string? UnavailableReason => servers.All.Count > 0 ? null : router.UnavailableReason;

    public IReadOnlyList<string> ServerModels => servers.KnownModels;

    public async Task<IReadOnlyList<CloudProvider>> ProvidersAsync(string model, CancellationToken cancellationToken)
    {
        var serving = (await servers.ServingAsync(model, cancellationToken).ConfigureAwait(false))
            .Select(s => new CloudProvider(s.Name, model)).ToList();
        if (!IsRouterModel(model))
            return serving;
        if (router.UnavailableReason is { } why)
            return serving.Count > 0 ? serving : throw new InferenceException(InferenceErrorKind.Unauthorized, why);
        return [.. serving, .. await router.ProvidersAsync(model, cancellationToken).ConfigureAwait(false)];
    }

    public bool IsKnownProvider(string provider) => servers.Find(provider) is not null || router.IsKnownProvider(provider);

    public bool IsOperatorServer(string provider) => servers.Find(provider) is not null;

    public ITaskBackend<ChatCall, ChatDelta> Create(CloudProvider provider, string model)
    {
        if (servers.Find(provider.Name) is { } server)
        {
            return servers.Serves(server, model) ? servers.Backend(server, model)
                : throw new InferenceException(InferenceErrorKind.ModelNotFound, $"{server.Name} does not serve {model}.") { Provider = server.Name };
        }
        if (!IsRouterModel(model))
            throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"{model} is served here only by {string.Join(", ", servers.All.Where(s => servers.Serves(s, model)).Select(s => s.Name))}; it is not sent to {provider.Name}.");
        return router.UnavailableReason is { } why ? throw new InferenceException(InferenceErrorKind.Unauthorized, why) : router.Create(provider, model);
    }

    /// <summary>For "auto": the router's own choice, unless a server serves the model (its providers are then tried one by one after the servers).</summary>
    public CloudProvider? RouterChoice(string model) =>
        IsRouterModel(model) && router.UnavailableReason is null && !servers.KnownModels.Contains(model) ? router.RouterChoice(model) : null;

    public TimeSpan CallBudget => router.CallBudget;

    /// <summary>Whether the app's token may be spent on this model: the configured default and further models only.</summary>
    private bool IsRouterModel(string model) => chatOptions.Value.AllowedModels.Contains(model);
}
