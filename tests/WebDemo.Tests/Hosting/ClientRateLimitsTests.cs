using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;
using WebDemo.Hosting;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Hosting;

public class ClientRateLimitsTests
{
    private static ClientRateLimits Limits(int permits, TimeProvider? clock = null) =>
        new(Options.Create(new RateLimitOptions { PermitsPerWindow = permits, Window = TimeSpan.FromMinutes(1) }), clock);

    [Fact]
    public void Each_address_has_its_own_budget_and_a_refusal_says_when_to_come_back()
    {
        var limits = Limits(2);
        var one = IPAddress.Parse("203.0.113.1");

        var first = limits.TryStart(one);
        var second = limits.TryStart(one);
        var third = limits.TryStart(one);
        var other = limits.TryStart(IPAddress.Parse("203.0.113.2"));

        Assert.Null(first);
        Assert.Null(second);
        Assert.NotNull(third);
        Assert.True(third > TimeSpan.Zero);
        Assert.Null(other);
        Assert.Matches(@"^Too many requests from your address: at most 2 per minute\. Try again in \d+ s\.$", limits.Refusal(third!.Value));
    }

    [Fact]
    public void A_refusal_says_when_the_oldest_counted_call_leaves_the_window_and_a_call_then_starts()
    {
        var clock = new ManualClock();
        var limits = Limits(3, clock);
        var caller = IPAddress.Parse("203.0.113.9");
        Assert.Null(limits.TryStart(caller)); // at 0 s
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(limits.TryStart(caller)); // at 20 s
        Assert.Null(limits.TryStart(caller));

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(35), limits.TryStart(caller)); // at 25 s: the call at 0 s counts until 60 s
        clock.Advance(TimeSpan.FromSeconds(34));
        Assert.Equal(TimeSpan.FromSeconds(1), limits.TryStart(caller));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(limits.TryStart(caller)); // at 60 s, as it was told
        Assert.Equal(TimeSpan.FromSeconds(20), limits.TryStart(caller)); // the two calls at 20 s count until 80 s
    }

    [Fact]
    public void Addresses_idle_for_a_window_are_forgotten_and_start_afresh()
    {
        var clock = new ManualClock();
        var limits = Limits(1, clock);
        for (var i = 0; i < 1000; i++)
            Assert.Null(limits.TryStart(IPAddress.Parse($"10.0.{i / 256}.{i % 256}")));
        var last = IPAddress.Parse("10.0.3.231");
        Assert.NotNull(limits.TryStart(last));
        Assert.Equal(1000, limits.AddressesRemembered);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Null(limits.TryStart(last));
        Assert.Null(limits.TryStart(IPAddress.Parse("10.0.0.0")));
        Assert.Equal(2, limits.AddressesRemembered);
    }

    [Fact]
    public void A_page_is_refused_in_words_once_its_visitor_is_over_the_limit()
    {
        var limits = Limits(1);
        var page = new PageAdmission(limits);
        page.Identify("198.51.100.7");

        Assert.Null(page.Refuse());
        Assert.StartsWith("Too many requests", page.Refuse(), StringComparison.Ordinal);
    }
}

/// <summary>The same budget on the real server: the API answers 429 with Retry-After, the hub a readable error.</summary>
public sealed class RateLimitedServerTests : IAsyncDisposable
{
    private readonly KestrelApp _app = KestrelApp.Start(settings => settings.Set("RateLimits:PermitsPerWindow", "2"));

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task Over_the_limit_the_api_answers_429_with_retry_after_and_the_hub_refuses_in_words()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_app.BaseUrl) };
        var body = new { inputs = "hello" };

        var first = await http.PostAsJsonAsync("/models/" + TestPaths.SentimentRepoId, body);
        var second = await http.PostAsJsonAsync("/models/" + TestPaths.SentimentRepoId, body);
        var third = await http.PostAsJsonAsync("/models/" + TestPaths.SentimentRepoId, body);
        await using var hub = new HubConnectionBuilder().WithUrl(_app.BaseUrl + "/hubs/inference").Build();
        await hub.StartAsync();
        var refused = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in hub.StreamAsync<InferenceUpdate<ClassifiedText>>("TextClassification", new TextClassificationRequest(["hi"])))
            {
            }
        });

        // Offline with nothing cached: the task runs and says so (503), and each call counts.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many requests from your address", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Too many requests from your address", refused.Message, StringComparison.Ordinal);
    }
}
