using System.ClientModel;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI.Models;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Remote.HuggingFace.Resilience;
using WebDemo.Inference.Remote.Tasks.Chat;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Remote.OpenAICompatible;

/// <summary>
/// The operator's OpenAI-compatible servers: which chat models each serves (its configured list,
/// else its <c>GET /v1/models</c>, cached like the HF provider mappings) and a chat backend per
/// server and model. Every request goes through the OpenAI SDK on the <see cref="HttpClientName"/>
/// client, whose <see cref="RouterHandler"/> gives each server the router's resilience: retries with
/// backoff, a circuit breaker of its own, errors in words.
/// </summary>
internal sealed class OpenAICompatibleServers(
    IOptions<OpenAICompatibleOptions> options,
    IOptions<CloudOptions> cloudOptions,
    IOptions<ChatTaskOptions> chatOptions,
    IHttpClientFactory httpClientFactory,
    TimeProvider time,
    ILogger<OpenAICompatibleServers> logger)
{
    public const string HttpClientName = "openai-compatible";

    /// <summary>How soon a model list that could not be read is asked for again.</summary>
    private static readonly TimeSpan FailedReadRetry = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, IReadOnlyList<string> Models)> _read = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<IReadOnlyList<string>>> _reading = new(StringComparer.Ordinal);

    public IReadOnlyList<OpenAICompatibleServer> All => options.Value.Servers;

    public OpenAICompatibleServer? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>
    /// What the servers are known to serve now: the configured lists and the lists as last read.
    /// A list that expired, or was never read, is read again in the background.
    /// </summary>
    public IReadOnlyList<string> KnownModels => All.SelectMany(Known).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Whether the server is known to serve the model now (see <see cref="KnownModels"/>).</summary>
    public bool Serves(OpenAICompatibleServer server, string model) => Known(server).Contains(model);

    private IReadOnlyList<string> Known(OpenAICompatibleServer server)
    {
        if (server.Models.Count > 0)
            return server.Models;
        var fresh = _read.TryGetValue(server.Name, out var read) && read.Until > time.GetUtcNow();
        if (!fresh)
            _ = ModelsAsync(server, CancellationToken.None);
        return read.Models ?? [];
    }

    /// <summary>The servers that list <paramref name="model"/>, in configuration order.</summary>
    public async Task<IReadOnlyList<OpenAICompatibleServer>> ServingAsync(string model, CancellationToken cancellationToken)
    {
        var serving = new List<OpenAICompatibleServer>();
        foreach (var server in All)
            if ((await ModelsAsync(server, cancellationToken).ConfigureAwait(false)).Contains(model))
                serving.Add(server);
        return serving;
    }

    /// <summary>The chat models a server serves: its configured list, else its /v1/models (empty when that cannot be read).</summary>
    public Task<IReadOnlyList<string>> ModelsAsync(OpenAICompatibleServer server, CancellationToken cancellationToken)
    {
        if (server.Models.Count > 0)
            return Task.FromResult<IReadOnlyList<string>>(server.Models);
        if (_read.TryGetValue(server.Name, out var cached) && cached.Until > time.GetUtcNow())
            return Task.FromResult(cached.Models);
        return _reading.GetOrAdd(server.Name, _ => ReadAsync(server)).WaitAsync(cancellationToken);
    }

    /// <summary>One read of a server's /v1/models at a time; a failed read keeps the last list and is tried again soon.</summary>
    private async Task<IReadOnlyList<string>> ReadAsync(OpenAICompatibleServer server)
    {
        await Task.Yield(); // stored in _reading before it can finish and remove itself
        var previous = _read.TryGetValue(server.Name, out var cached) ? cached.Models : [];
        try
        {
            var timeout = options.Value.ModelListTimeout;
            using var scope = RouterCall.Begin(new RouterCall(server.Name, new SingleResponseTimeouts { Attempt = timeout, Total = timeout },
                bufferBody: true, keySetting: KeySetting(server)));
            var client = new OpenAIModelClient(new ApiKeyCredential(Key(server)), OpenAIChatBackend.ClientOptions(Endpoint(server), Http()));
            var models = (await client.GetModelsAsync().ConfigureAwait(false)).Value.Select(m => m.Id).ToList();
            _read[server.Name] = (time.GetUtcNow() + cloudOptions.Value.MappingCacheDuration, models);
            logger.LogInformation("{Server} serves {Count} models: {Models}.", server.Name, models.Count, string.Join(", ", models));
            return models;
        }
        catch (Exception ex) when (ex is InferenceException or ClientResultException or HttpRequestException or System.Text.Json.JsonException)
        {
            logger.LogWarning("The model list of {Server} could not be read: {Error}", server.Name, ex.Message);
            _read[server.Name] = (time.GetUtcNow() + FailedReadRetry, previous);
            return previous;
        }
        finally
        {
            _reading.TryRemove(server.Name, out _);
        }
    }

    /// <summary>The backend that asks <paramref name="server"/> for <paramref name="model"/>, held to the chat budgets.</summary>
    public ChatClientBackend Backend(OpenAICompatibleServer server, string model) =>
        OpenAIChatBackend.Create(server.Name, model, Endpoint(server), Key(server), Http(), chatOptions.Value.Budget, KeySetting(server));

    private HttpClient Http() => httpClientFactory.CreateClient(HttpClientName);

    private static Uri Endpoint(OpenAICompatibleServer server) => new(server.BaseUrl.TrimEnd('/'));

    /// <summary>The server's key; without one, a placeholder (the SDK needs a key; keyless servers such as Ollama ignore it).</summary>
    private static string Key(OpenAICompatibleServer server) => string.IsNullOrEmpty(server.ApiKey) ? "none" : server.ApiKey;

    /// <summary>Where the operator sets this server's key: named when the server refuses it.</summary>
    private string KeySetting(OpenAICompatibleServer server) =>
        $"{OpenAICompatibleOptions.Section}:Servers:{options.Value.Servers.IndexOf(server)}:ApiKey";
}
