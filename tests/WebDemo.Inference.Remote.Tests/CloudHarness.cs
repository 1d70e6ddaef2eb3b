using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.Tasks.Chat;
using WebDemo.Inference.Remote.Tasks.TextClassification;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests;

/// <summary>The real text-classification service with the real cloud client, against a fake router, with a stub local model last in the chain.</summary>
public sealed class CloudHarness : IAsyncDisposable
{
    public const string CloudModel = "org/sentiment";
    public const string ChatModel = "org/chat";
    public const string Token = "hf_harness_token_1234";

    private readonly ServiceProvider _services;

    public FakeRouter Router { get; }
    internal IInferenceTask<TextClassificationRequest, ClassifiedText> Service { get; }
    internal IInferenceTask<ChatRequest, ChatDelta> Chat { get; }
    public LocalStub Local { get; } = new();

    /// <summary>What the services logged.</summary>
    public LogCapture Logs { get; } = new();

    private CloudHarness(FakeRouter router, string? token, IDictionary<string, string?>? settings, Action<IServiceCollection>? configure)
    {
        Router = router;
        router.Mapping[CloudModel] = ["prov-a", "prov-b"];
        router.Mapping[ChatModel] = ["prov-a", "prov-b"];
        router.Tasks[ChatModel] = "conversational";
        _services = new TestSettings()
            .Router(router.Url)
            .Token(token)
            .Set(new Dictionary<string, string?>
            {
                // Budgets are generous so that a busy machine never trips them; the faults that must
                // trip them last longer still (a stall of 20 s against 10 s, for example).
                ["Cloud:SingleResponse:Attempt"] = "00:00:05",
                ["Cloud:SingleResponse:Total"] = "00:00:30",
                ["Cloud:Retry:MaxRetries"] = "2",
                ["Cloud:Retry:BaseDelay"] = "00:00:00.050",
                ["Cloud:Retry:MaxRetryAfter"] = "00:00:02",
                ["Cloud:Retry:MaxModelLoadingWait"] = "00:00:02",
                ["Cloud:CircuitBreaker:MinimumThroughput"] = "4",
                ["Cloud:CircuitBreaker:BreakDuration"] = "00:01:00",
                ["TextClassification:CloudModel"] = CloudModel,
                ["Chat:DefaultModel"] = ChatModel,
                ["Chat:Budget:FirstChunk"] = "00:00:10",
                ["Chat:Budget:BetweenChunks"] = "00:00:05",
                ["Chat:Budget:Total"] = "00:00:30",
            })
            .Set(settings ?? new Dictionary<string, string?>())
            .Services((services, configuration) =>
            {
                services.AddSingleton<ILocalTaskBackend<TextClassificationCall, ClassifiedText>>(Local);
                services.AddCloudTextClassification(configuration).AddCloudChat(configuration);
                services.AddLogging(logging => logging.AddProvider(Logs));
                configure?.Invoke(services);
            });
        Service = _services.GetRequiredService<IInferenceTask<TextClassificationRequest, ClassifiedText>>();
        Chat = _services.GetRequiredService<IInferenceTask<ChatRequest, ChatDelta>>();
    }

    /// <param name="configure">Runs after the app's registrations, so that what it registers wins.</param>
    public static async Task<CloudHarness> StartAsync(string? token = Token, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        var harness = new CloudHarness(await FakeRouter.StartAsync(), token, settings, configure);
        foreach (var hosted in harness._services.GetServices<IHostedService>()) // as the app's host does at start (the servers' model lists)
            await hosted.StartAsync(CancellationToken.None);
        return harness;
    }

    public sealed record Outcome(List<InferenceUpdate<ClassifiedText>> Updates, InferenceException? Error, TimeSpan Elapsed)
    {
        public Provenance? Provenance => Updates.LastOrDefault(u => u.Kind == UpdateKind.Final)?.Provenance;
        public List<ClassifiedText> Results => Updates.Where(u => u.Kind == UpdateKind.Partial).Select(u => u.Partial!).ToList();
        public List<string> Progress => Updates.Where(u => u.Kind == UpdateKind.Progress).Select(u => u.Progress!.Message).ToList();
    }

    public Task<Outcome> RunAsync(string provider, params string[] texts) => RunAsync(provider, failover: false, texts);

    /// <param name="failover">With a named provider: the caller's opt-in to other providers when it fails.</param>
    public async Task<Outcome> RunAsync(string provider, bool failover, params string[] texts)
    {
        var updates = new List<InferenceUpdate<ClassifiedText>>();
        var clock = Stopwatch.StartNew();
        try
        {
            await foreach (var update in Service.RunAsync(new TextClassificationRequest(texts, Provider: provider, Failover: failover)))
                updates.Add(update);
            return new Outcome(updates, null, clock.Elapsed);
        }
        catch (InferenceException ex)
        {
            return new Outcome(updates, ex, clock.Elapsed);
        }
    }

    public sealed record ChatOutcome(List<InferenceUpdate<ChatDelta>> Updates, InferenceException? Error)
    {
        public string Text => string.Concat(Updates.Where(u => u.Kind == UpdateKind.Partial).Select(u => u.Partial!.Text));
        public Provenance? Provenance => Updates.LastOrDefault(u => u.Kind == UpdateKind.Final)?.Provenance;
    }

    /// <param name="model">Null for the default chat model.</param>
    public async Task<ChatOutcome> ChatAsync(string provider, string message = "Say hello", string? policy = null, Microsoft.Extensions.AI.ChatOptions? options = null, bool failover = false,
        string? model = null)
    {
        var updates = new List<InferenceUpdate<ChatDelta>>();
        try
        {
            await foreach (var update in Chat.RunAsync(new ChatRequest([new(Microsoft.Extensions.AI.ChatRole.User, message)], model, provider, options, policy, failover)))
                updates.Add(update);
            return new ChatOutcome(updates, null);
        }
        catch (InferenceException ex)
        {
            return new ChatOutcome(updates, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Router.DisposeAsync();
    }

    /// <summary>The local model at the end of every chain: says POSITIVE, 0.7.</summary>
    public sealed class LocalStub : ILocalTaskBackend<TextClassificationCall, ClassifiedText>
    {
        public int Calls;
        public string Provider => "local";
        public string? Device => "CPU";
        public IReadOnlyCollection<string> Models => ["local/sentiment"];

        public async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> StreamAsync(
            TextClassificationCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            for (var i = 0; i < call.Inputs.Count; i++)
            {
                await Task.Yield();
                yield return InferenceUpdate<ClassifiedText>.ForPartial(new ClassifiedText(i, call.Inputs[i],
                    [new LabelScore("POSITIVE", 0.7), new LabelScore("NEGATIVE", 0.3)], false, 3));
            }
        }
    }
}
