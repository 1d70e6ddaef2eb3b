using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Tests;

/// <summary>
/// Runs the app with a token that is really used (cloud calls to a fake router) and logging at
/// Trace, then searches every log line, every API and hub answer and every page for the token.
/// </summary>
public sealed class TokenLeakTests : IAsyncLifetime
{
    private const string Secret = "hf_LeakCanary9f3b1c7e5d";
    private const string CloudModel = "org/sentiment";

    private readonly TempDirectory _home = new();
    private readonly LogCapture _logs = new();
    private readonly StringBuilder _seen = new();
    private LoopbackHub _hub = null!;
    private FakeRouter _router = null!;
    private WebApplicationFactory<Program> _factory = null!;
    private string _baseUrl = "";

    public async Task InitializeAsync()
    {
        _hub = await LoopbackHub.StartAsync();
        _router = await FakeRouter.StartAsync();
        _router.Mapping[CloudModel] = ["hf-inference", "prov-b"];
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("HuggingFace:Token", Secret);
            web.UseUrls("http://127.0.0.1:0");
            web.UseSetting("Hub:Endpoint", _hub.Url);
            web.UseSetting("Hub:CacheDirectory", Path.Combine(_home.Path, "hub"));
            web.UseSetting("LocalModels:Models:0:Id", TestPaths.SentimentRepoId);
            web.UseSetting("Cloud:RouterUrl", _router.Url);
            web.UseSetting("Cloud:HubUrl", _router.Url);
            web.UseSetting("Cloud:Retry:BaseDelay", "00:00:00.010");
            web.UseSetting("TextClassification:CloudModel", CloudModel);
            web.ConfigureLogging(logging => logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)
                .AddFilter("System.Net.Http.HttpClient", LogLevel.Trace)); // request headers are logged at Trace
        });
        _factory.UseKestrel(); // on the dynamic loopback port set below
        _factory.StartServer();
        _baseUrl = _factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _router.DisposeAsync();
        await _hub.DisposeAsync();
        _home.Dispose();
    }

    private async Task<string> Record(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        _seen.AppendLine(response.ToString()).AppendLine(response.Headers.ToString()).AppendLine(body);
        return body;
    }

    [Fact]
    public async Task The_token_is_used_but_appears_in_no_log_answer_or_page()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_baseUrl) };

        // Pages, as the server renders them.
        foreach (var path in new[] { "/", "/sentiment", "/status", "/api/models" })
            await Record(await http.GetAsync(path));
        var status = await Record(await http.GetAsync("/status"));
        Assert.Contains("configured", status);

        // The cloud path, served and failing, over HTTP and SSE.
        var served = await Record(await http.PostAsJsonAsync($"/auto/models/{CloudModel}", new { inputs = "a great day" }));
        Assert.Contains("POSITIVE", served);
        await Record(await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/hf-inference/models/{CloudModel}")
        {
            Content = JsonContent.Create(new { inputs = new[] { "good", "bad" } }),
            Headers = { { "Accept", "text/event-stream" } },
        }));
        _router.Enqueue("hf-inference", new Fault.Status(401, """{"error":"Invalid credentials in Authorization header"}"""));
        var rejected = await Record(await http.PostAsJsonAsync($"/hf-inference/models/{CloudModel}", new { inputs = "hi" }));
        Assert.Contains("token was rejected", rejected);
        await Record(await http.PostAsJsonAsync($"/local/models/{TestPaths.SentimentRepoId}", new { inputs = "fine" }));

        // The hub.
        await using (var connection = new HubConnectionBuilder().WithUrl(_baseUrl + "/hubs/inference").Build())
        {
            await connection.StartAsync();
            await foreach (var update in connection.StreamAsync<InferenceUpdate<ClassifiedText>>("TextClassification",
                               new TextClassificationRequest(["lovely"], Provider: "auto")))
                _seen.AppendLine(System.Text.Json.JsonSerializer.Serialize(update));
        }

        Assert.Contains(_router.Requests, r => r.Authorization == "Bearer " + Secret); // really used
        Assert.NotEmpty(_logs.Lines);
        Assert.Contains(_logs.Lines, l => l.Contains("System.Net.Http.HttpClient.hf-router")); // HttpClient logging was on
        Assert.DoesNotContain(Secret, _seen.ToString());
        Assert.DoesNotContain(_logs.Lines, line => line.Contains(Secret));
        Assert.DoesNotContain(_logs.Lines, line => line.Contains(Secret[3..])); // not even without its prefix
    }

    private sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {exception}");
        }
    }
}
