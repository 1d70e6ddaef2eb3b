using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Hosting;

/// <summary>
/// The local queue as API clients meet it on real Kestrel: one call runs, one waits and hears its
/// place over server-sent events, one more is refused with 503 and Retry-After.
/// </summary>
public sealed class TaskQueueApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _home = new();
    private readonly GatedClassifier _gated = new();
    private WebApplicationFactory<Program>? _factory;

    public Task InitializeAsync()
    {
        var settings = new TestSettings()
            .Hub("http://127.0.0.1:9", Path.Combine(_home.Path, "hub"), offline: true)
            .LocalModel(TestPaths.SentimentRepoId)
            .Set("Queue:Tasks:text-classification:Concurrency", "1")
            .Set("Queue:Tasks:text-classification:MaxWaiting", "1");
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseUrls("http://127.0.0.1:0");
            foreach (var (key, value) in settings.Values)
                web.UseSetting(key, value);
            web.ConfigureTestServices(services =>
                services.AddSingleton<ILocalTaskBackend<TextClassificationCall, ClassifiedText>>(_gated));
        });
        _factory.UseKestrel();
        _factory.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _gated.Open();
        if (_factory is not null)
            await _factory.DisposeAsync();
        _home.Dispose();
    }

    [Fact]
    public async Task A_waiting_call_hears_its_place_and_one_beyond_the_queue_gets_503_with_retry_after()
    {
        using var http = new HttpClient { BaseAddress = _factory!.ClientOptions.BaseAddress, Timeout = Patience };
        var running = http.PostAsJsonAsync($"/local/models/{GatedClassifier.Model}", new { inputs = "first" });
        await _gated.WaitForStartedAsync(1, Patience);

        using var waitingRequest = new HttpRequestMessage(HttpMethod.Post, $"/local/models/{GatedClassifier.Model}")
        { Content = JsonContent.Create(new { inputs = "second" }) };
        waitingRequest.Headers.Accept.ParseAdd("text/event-stream");
        using var waiting = await http.SendAsync(waitingRequest, HttpCompletionOption.ResponseHeadersRead);
        using var events = new StreamReader(await waiting.Content.ReadAsStreamAsync());
        var firstData = await ReadDataLineAsync(events);
        Assert.Contains("\"stage\":\"queue\"", firstData, StringComparison.Ordinal);
        Assert.Contains("\"queuePosition\":1", firstData, StringComparison.Ordinal);
        Assert.Contains("1st of 1", firstData, StringComparison.Ordinal);

        using var refused = await http.PostAsJsonAsync($"/local/models/{GatedClassifier.Model}", new { inputs = "third" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Contains("busy", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        _gated.Open();
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        var rest = await events.ReadToEndAsync();
        Assert.Contains("event: final", rest, StringComparison.Ordinal);
        Assert.Contains("second", rest, StringComparison.Ordinal);
    }

    private static async Task<string> ReadDataLineAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                return line;
        }
        throw new InvalidOperationException("The stream ended before any data.");
    }
}
