using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using WebDemo.Hosting;

namespace WebDemo.Tests.Hosting;

/// <summary>
/// The whole app on Kestrel with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> naming a fake collector: after
/// an API call, its traces and metrics arrive there (ASP.NET Core, HttpClient, runtime and the
/// app's own), with neither the token nor the input in them, and the Status page shows the figures.
/// </summary>
public sealed class OpenTelemetryExportTests : IAsyncLifetime
{
    private const string Input = "a sentence only the user should see 7319";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>The resource attribute service.name = "webdemo" as protobuf writes it (a KeyValue with a string AnyValue).</summary>
    private const string ServiceName = "service.name\u0012\u0009\u000a\u0007webdemo";

    private FakeOtlpCollector _collector = null!;
    private WebDemoServer _server = null!;

    public async Task InitializeAsync()
    {
        _collector = await FakeOtlpCollector.StartAsync();
        _server = new WebDemoServer(new Dictionary<string, string?>
        {
            [OtlpExport.EndpointVariable] = _collector.Url,
            [OtlpExport.ProtocolVariable] = "http/protobuf",
            // Export every 100 ms rather than every minute (metrics) and every 5 s (spans).
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "100",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
        await _server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _collector.DisposeAsync();
    }

    /// <summary>A chat completion over the API, through the fake router ("auto"), with <see cref="Input"/> as the message.</summary>
    private static async Task ChatAsync(HttpClient http) =>
        (await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = WebDemoServer.ChatModel, messages = new[] { new { role = "user", content = Input } } })).EnsureSuccessStatusCode();

    [Fact]
    public async Task After_an_API_call_its_traces_and_metrics_reach_the_collector_without_token_or_input()
    {
        using var http = _server.CreateClient();

        await ChatAsync(http);

        Assert.Contains(_server.Router.Requests, r => r.Authorization == "Bearer " + WebDemoServer.Token); // the token was really sent
        await Task.WhenAll(
            // Spans: the app's own (a call and its attempt), the API request, the call to the router.
            _collector.WaitForAsync("/v1/traces", "conversational auto"),
            _collector.WaitForAsync("/v1/traces", "/v1/chat/completions"),
            _collector.WaitForAsync("/v1/traces", _server.Router.Url + "/v1/chat/completions"),
            // Metrics: the app's own, ASP.NET Core's, HttpClient's, the runtime's.
            _collector.WaitForAsync("/v1/metrics", "webdemo.inference.requests"),
            _collector.WaitForAsync("/v1/metrics", "webdemo.inference.time_to_first_result"),
            _collector.WaitForAsync("/v1/metrics", "webdemo.inference.output_token_rate"),
            _collector.WaitForAsync("/v1/metrics", "http.server.request.duration"),
            _collector.WaitForAsync("/v1/metrics", "http.client.request.duration"),
            _collector.WaitForAsync("/v1/metrics", "dotnet.gc.collections"),
            _collector.WaitForAsync("/v1/traces", ServiceName),
            _collector.WaitForAsync("/v1/metrics", ServiceName)).WaitAsync(Patience);

        var posts = _collector.Posts;
        Assert.DoesNotContain(posts, post => post.Contains(WebDemoServer.Token[3..]));
        Assert.DoesNotContain(posts, post => post.Contains("only the user should see"));
        Assert.DoesNotContain(posts, post => post.Contains("Hello from")); // nor the answer
    }

    [Fact]
    public async Task The_Status_page_shows_the_export_and_the_calls_figures()
    {
        using var http = _server.CreateClient();
        await ChatAsync(http);

        var page = await http.GetStringAsync("/status");

        Assert.Contains("data-testid=\"telemetry\"", page);
        Assert.Contains(new Uri(_collector.Url).Authority, page);
        Assert.Contains("http/protobuf", page);
        var row = TableRow(page, "conversational", "auto");
        // Other tests of this process make chat calls on "auto" too (the meter is the process's): at least this one is counted.
        Assert.Matches(@"[1-9]\d* \([1-9]\d* ok\)", row);
        Assert.Contains(" ms / ", row); // time to first result, p50 / p95
        Assert.DoesNotContain(Input, page);
    }

    /// <summary>The HTML of the metrics table's row for <paramref name="task"/> at <paramref name="provider"/>.</summary>
    internal static string TableRow(string page, string task, string provider)
    {
        var table = page[page.IndexOf("data-testid=\"inference-metrics\"", StringComparison.Ordinal)..];
        var rows = table[..table.IndexOf("</table>", StringComparison.Ordinal)].Split("<tr");
        return Assert.Single(rows, r => r.Contains($">{task}<", StringComparison.Ordinal) && r.Contains($">{provider}<", StringComparison.Ordinal));
    }
}

/// <summary>With no OTLP endpoint (the shared server): no SDK, so nothing exported, yet the Status page still counts the calls.</summary>
[Collection(ServerCollection.Name)]
public sealed class NoOtlpEndpointTests(WebDemoServer server)
{
    [Fact]
    public async Task Nothing_is_exported_and_the_Status_page_says_so_and_still_counts_the_calls()
    {
        using var http = server.CreateClient();
        (await http.PostAsJsonAsync("/models/" + TestSupport.TestPaths.SentimentRepoId, new { inputs = "a fine day" })).EnsureSuccessStatusCode();

        Assert.Null(server.Services.GetService<MeterProvider>());
        Assert.Null(server.Services.GetService<TracerProvider>());
        Assert.False(server.Services.GetRequiredService<OtlpExport>().Enabled);
        var page = await http.GetStringAsync("/status");
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", page);
        // Other tests of this process call too (the meter is the process's): at least this call is counted.
        Assert.Matches(@"[1-9]\d* \([1-9]\d* ok\)", OpenTelemetryExportTests.TableRow(page, "text-classification", "local"));
    }
}
