using Microsoft.AspNetCore.SignalR.Client;
using WebDemo.TestSupport;

namespace WebDemo.Tests;

/// <summary>
/// The whole app on a real Kestrel port, downloading the sentiment model (<see cref="SentimentModel.Current"/>:
/// the trained one in ../shared, else the repository's tiny one) from a loopback Hub into a
/// temporary cache: the same path a real deployment takes, minus the internet.
/// </summary>
public sealed class WebDemoServer : IAsyncLifetime
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private KestrelApp? _app;

    public const string ChatModel = "org/chat";
    public const string CloudModel = "org/sentiment";
    public const string Token = "hf_server_fixture_token";

    public WebDemoServer()
        : this(new Dictionary<string, string?>())
    {
    }

    /// <summary>A server of a test's own, with these settings over the usual ones.</summary>
    internal WebDemoServer(IReadOnlyDictionary<string, string?> settings) => _settings = settings;

    public LoopbackHub Hub { get; private set; } = null!;

    /// <summary>The cloud: a fake HF router serving <see cref="ChatModel"/> at prov-a and prov-b.</summary>
    public FakeRouter Router { get; private set; } = null!;

    public string BaseUrl => _app!.BaseUrl;

    public IServiceProvider Services => _app!.Services;

    /// <summary>Every log line the app wrote, at Trace, HttpClient request headers included.</summary>
    public LogCapture Logs => _app!.Logs;

    public async Task InitializeAsync()
    {
        Hub = await LoopbackHub.StartAsync();
        Router = await FakeRouter.StartAsync();
        Router.Mapping[ChatModel] = ["prov-a", "prov-b"];
        Router.Tasks[ChatModel] = "conversational";
        Router.Mapping[CloudModel] = ["hf-inference", "prov-b"];
        _app = KestrelApp.Start((settings, home) => settings
            .Hub(Hub.Url, Path.Combine(home, "hub"))
            .LocalModel(TestPaths.SentimentRepoId, preload: true)
            .LocalT5()
            .LocalLlama()
            .LocalStableDiffusion()
            .Router(Router.Url)
            .Token(Token)
            .Set("TextClassification:MaxInputs", "8")
            .Set("TextClassification:CloudModel", CloudModel)
            .Set("Chat:DefaultModel", ChatModel)
            .Set(_settings));
    }

    public HttpClient CreateClient() => new() { BaseAddress = new Uri(BaseUrl) };

    /// <summary>A started connection to the app's SignalR hub.</summary>
    public async Task<HubConnection> ConnectHubAsync()
    {
        var connection = new HubConnectionBuilder().WithUrl(BaseUrl + "/hubs/inference").Build();
        await connection.StartAsync();
        return connection;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
        await Hub.DisposeAsync();
        await Router.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<WebDemoServer>
{
    public const string Name = "server";
}
