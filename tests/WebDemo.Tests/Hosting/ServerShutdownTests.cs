using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Hosting;

/// <summary>Stopping the app (SIGTERM) ends a running stream with a message; nothing waits for the shutdown timeout.</summary>
public sealed class ServerShutdownTests : IAsyncLifetime
{
    private const string CloudModel = "org/sentiment";
    private readonly TempDirectory _home = new();
    private FakeRouter _router = null!;
    private WebApplicationFactory<Program>? _factory;

    public async Task InitializeAsync()
    {
        _router = await FakeRouter.StartAsync();
        _router.Mapping[CloudModel] = ["prov-a"];
        var settings = new TestSettings()
            .Hub("http://127.0.0.1:9", Path.Combine(_home.Path, "hub"), offline: true)
            .Set("Data:Folder", Path.Combine(_home.Path, "data"))
            .LocalModel(TestPaths.SentimentRepoId)
            .Router(_router.Url)
            .Token("hf_shutdown_test_token")
            .Set("TextClassification:CloudModel", CloudModel)
            .Set("Cloud:SingleResponse:Attempt", "00:02:00")
            .Set("Cloud:SingleResponse:Total", "00:02:00");
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseUrls("http://127.0.0.1:0");
            foreach (var (key, value) in settings.Values)
                web.UseSetting(key, value);
        });
        _factory.UseKestrel();
        _factory.StartServer();
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
        await _router.DisposeAsync();
        _home.Dispose();
    }

    [Fact]
    public async Task A_stream_waiting_on_a_provider_ends_with_the_shutdown_message()
    {
        _router.Break("prov-a", new Fault.SlowFirstByte(TimeSpan.FromMinutes(2)));
        using var http = new HttpClient { BaseAddress = _factory!.ClientOptions.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/prov-a/models/" + CloudModel) { Content = JsonContent.Create(new { inputs = "hello" }) };
        request.Headers.Accept.ParseAdd("text/event-stream");
        var sending = http.SendAsync(request);
        // The provider has the request: the stream is now waiting on it.
        while (_router.CountFor("prov-a") == 0 && !sending.IsCompleted)
            await Task.Delay(20);

        var clock = Stopwatch.StartNew();
        _factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        using var response = await sending;
        var events = await response.Content.ReadAsStringAsync();

        Assert.Contains("event: error", events, StringComparison.Ordinal);
        Assert.Contains("The server is shutting down", events, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the stream took {clock.Elapsed} to end"); // the host's shutdown timeout is 30 s
    }
}
