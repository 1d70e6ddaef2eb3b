using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using WebDemo.TestSupport;

namespace WebDemo.Tests;

/// <summary>
/// The whole app on a real Kestrel port, downloading the shared sentiment model from a loopback
/// Hub into a temporary cache: the same path a real deployment takes, minus the internet.
/// </summary>
public sealed class WebDemoServer : IAsyncLifetime
{
    private readonly TempDirectory _home = new();
    private WebApplicationFactory<Program>? _factory;

    public LoopbackHub Hub { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    public IServiceProvider Services => _factory!.Services;

    public async Task InitializeAsync()
    {
        Hub = await LoopbackHub.StartAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Hub:Endpoint", Hub.Url);
            web.UseSetting("Hub:CacheDirectory", Path.Combine(_home.Path, "hub"));
            web.UseSetting("Hub:Offline", "false");
            web.UseSetting("LocalModels:Models:0:Id", TestPaths.SentimentRepoId);
            web.UseSetting("LocalModels:Models:0:Dtype", "fp32");
            web.UseSetting("TextClassification:MaxInputs", "8");
            web.UseSetting("Onnx:ExecutionProvider", "cpu");
        });
        _factory.UseKestrel(0);
        _factory.StartServer();
        BaseUrl = _factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    public HttpClient CreateClient() => new() { BaseAddress = new Uri(BaseUrl) };

    public async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
        await Hub.DisposeAsync();
        _home.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<WebDemoServer>
{
    public const string Name = "server";
}
