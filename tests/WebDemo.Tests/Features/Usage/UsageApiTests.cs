using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Features.Usage;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.Inference.Usage;
using WebDemo.TestSupport;
using static WebDemo.Tests.Features.Usage.UsageStoreTests;

namespace WebDemo.Tests.Features.Usage;

/// <summary><c>GET /api/usage</c> (the calling browser's own) and <c>GET /operator/usage</c> (everyone's, with the operator token), on real Kestrel.</summary>
public sealed class UsageApiTests : IAsyncLifetime
{
    private const string Token = "op_test_token_5b1e9c0d7a";
    private readonly KestrelApp _app = KestrelApp.Start(settings => settings.Set("Operator:Token", Token));

    private UsageStore Store => _app.Services.GetRequiredService<UsageStore>();

    public async Task InitializeAsync()
    {
        var now = _app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        Store.Record(Call(now, TimeSpan.Zero, BrowserA, model: "org/mine"));
        Store.Record(Call(now, TimeSpan.Zero, BrowserB, model: "org/theirs"));
        await Store.FlushAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static HttpRequestMessage Get(string path, string? browser = null, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (browser is not null)
            request.Headers.Add("Cookie", $"webdemo_browser={browser}");
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static List<string?> Models(JsonElement totals) => totals.EnumerateArray().Select(t => t.GetProperty("model").GetString()).ToList();

    [Fact]
    public async Task A_browser_sees_only_its_own_usage_marked_as_an_estimate()
    {
        using var http = _app.CreateClient();

        using var mine = JsonDocument.Parse(await (await http.SendAsync(Get("/api/usage", BrowserA))).Content.ReadAsStringAsync());
        using var none = JsonDocument.Parse(await (await http.SendAsync(Get("/api/usage"))).Content.ReadAsStringAsync());

        var root = mine.RootElement;
        Assert.Equal(["org/mine"], Models(root.GetProperty("today")));
        Assert.Equal(["org/mine"], Models(root.GetProperty("last7Days")));
        var call = Assert.Single(root.GetProperty("calls").EnumerateArray());
        Assert.Equal((100, 0.01), (call.GetProperty("tokensIn").GetInt32(), call.GetProperty("estimatedCostUsd").GetDouble()));
        Assert.Contains("estimates", root.GetProperty("estimate").GetString(), StringComparison.Ordinal);
        Assert.Empty(none.RootElement.GetProperty("today").EnumerateArray());
        Assert.Empty(none.RootElement.GetProperty("calls").EnumerateArray());
    }

    [Fact]
    public async Task An_API_call_is_recorded_for_the_browser_whose_cookie_it_sent_and_nothing_of_its_input()
    {
        using var http = _app.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/models/{TestPaths.SentimentRepoId}")
        {
            Content = new StringContent("""{"inputs": "a secret sentence"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Cookie", $"webdemo_browser={BrowserB}");

        await http.SendAsync(request); // the model cannot be fetched offline: a failed call is usage too
        await Store.FlushAsync();

        var call = (await Store.RecentAsync(BrowserB, 50))[0];
        Assert.Equal((UsageContext.Api, "text-classification", "local", TestPaths.SentimentRepoId), (call.Surface, call.Task, call.Provider, call.Model));
        Assert.Empty(await Store.RecentAsync("CCCCCCCCCCCCCCCCCCCCCA", 50));
        using var http2 = _app.CreateClient();
        var mine = await (await http2.SendAsync(Get("/api/usage", BrowserB))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret", mine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hub_call_is_recorded_as_the_hubs_for_the_browser_that_connected()
    {
        await using var connection = new HubConnectionBuilder()
            .WithUrl(_app.BaseUrl + "/hubs/inference", options => options.Headers["Cookie"] = $"webdemo_browser={BrowserB}")
            .Build();
        await connection.StartAsync();

        // The model cannot be fetched offline: the call fails, and a failed call is usage too.
        await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsync<InferenceUpdate<ClassifiedText>>("TextClassification",
                new TextClassificationRequest(["a secret sentence"], TestPaths.SentimentRepoId)))
            {
            }
        });
        await Store.FlushAsync();

        var call = (await Store.RecentAsync(BrowserB, 1)).Single();
        Assert.Equal((UsageContext.Hub, "text-classification", UsageOutcome.Failed), (call.Surface, call.Task, call.Outcome));
    }

    [Fact]
    public async Task The_operator_sees_everyone_with_the_token_and_nothing_without()
    {
        using var http = _app.CreateClient();

        var anonymous = await http.SendAsync(Get("/operator/usage", BrowserA));
        var wrong = await http.SendAsync(Get("/operator/usage", token: Token + "x"));
        var allowed = await http.SendAsync(Get("/operator/usage", token: Token));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using var body = JsonDocument.Parse(await allowed.Content.ReadAsStringAsync());
        var today = body.RootElement.GetProperty("today");
        Assert.Equal(["org/mine", "org/theirs"], Models(today).Where(m => m!.StartsWith("org/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("budget").GetProperty("tokensLimit").ValueKind);
    }
}

/// <summary>The daily cloud budget as an API caller meets it: a problem in words, and nothing sent to the router.</summary>
public sealed class CloudBudgetApiTests : IAsyncLifetime
{
    private FakeRouter _router = null!;
    private KestrelApp _app = null!;

    public async Task InitializeAsync()
    {
        _router = await FakeRouter.StartAsync();
        _router.Mapping["org/sentiment"] = ["prov-a"];
        _app = KestrelApp.Start(settings => settings
            .Router(_router.Url)
            .Token("hf_budget_test_token")
            .Set("TextClassification:CloudModel", "org/sentiment")
            .Set("Usage:DailyBudget:Tokens", "10"));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _router.DisposeAsync();
    }

    [Fact]
    public async Task A_call_naming_a_cloud_provider_is_refused_with_402_once_the_budget_is_spent()
    {
        using var http = _app.CreateClient();
        var ok = await http.PostAsync("/prov-a/models/org/sentiment", new StringContent("""{"inputs": "good"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var now = _app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        ((IUsageRecorder)_app.Services.GetRequiredService<CloudBudget>()).Record(Call(now, TimeSpan.Zero, null, tokensIn: 10, tokensOut: 0));

        var refused = await http.PostAsync("/prov-a/models/org/sentiment", new StringContent("""{"inputs": "good"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.StartsWith("Today's cloud budget of this app is spent (10 of 10 tokens); local models still work.",
            problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(_router.Requests, r => r.Provider == "prov-a");
    }
}
