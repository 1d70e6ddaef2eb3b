using WebDemo.Inference.Errors;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.HuggingFace;

public class CircuitAndTokenTests
{
    // The harness sets Cloud:CircuitBreaker:MinimumThroughput to 4 (the shipped default is 10), with
    // 2 retries per call: a breaker that counted attempts would open within two calls.

    [Fact]
    public async Task Two_calls_that_each_recover_from_a_429_leave_the_circuit_closed()
    {
        await using var cloud = await CloudHarness.StartAsync();

        for (var call = 0; call < 2; call++)
        {
            cloud.Router.Enqueue("prov-a", new Fault.Status(429));
            var outcome = await cloud.RunAsync("prov-a", "good");
            Assert.Equal("prov-a", outcome.Provenance!.Provider);
        }

        // The third call meets the same ordinary 429 first: its retry still reaches prov-a, which
        // a breaker counting attempts (429, 200, 429, 200, 429: 3 of 5 failed) would refuse.
        cloud.Router.Enqueue("prov-a", new Fault.Status(429));
        var third = await cloud.RunAsync("prov-a", "good");

        Assert.Equal(6, cloud.Router.CountFor("prov-a")); // 429, 200 three times
        Assert.Equal("prov-a", third.Provenance!.Provider);
        Assert.DoesNotContain(third.Provenance.Attempts, a => a.Outcome == "skipped");
        Assert.Equal(0, cloud.Router.CountFor("prov-b"));
    }

    [Fact]
    public async Task Sustained_5xx_calls_open_the_circuit_once_the_minimum_throughput_is_reached_and_the_next_call_skips_the_provider()
    {
        await using var cloud = await CloudHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Cloud:CircuitBreaker:MinimumThroughput"] = "10", // the shipped default
        });
        cloud.Router.Break("prov-a", new Fault.Status(500));

        // Ten calls on auto (prov-a, then prov-b), three attempts each: every call still asks prov-a (calls are counted, not
        // attempts), fails there and fails over to prov-b.
        for (var call = 1; call <= 10; call++)
        {
            var outcome = await cloud.RunAsync("auto", "good");
            Assert.Equal("prov-b", outcome.Provenance!.Provider);
            Assert.Equal(3 * call, cloud.Router.CountFor("prov-a"));
            Assert.DoesNotContain(outcome.Provenance.Attempts, a => a.Outcome == "skipped");
        }
        var asked = cloud.Router.CountFor("prov-a");

        var next = await cloud.RunAsync("auto", "good");

        Assert.Equal("prov-b", next.Provenance!.Provider);
        var skipped = next.Provenance.Attempts[0];
        Assert.Equal("prov-a", skipped.Provider);
        Assert.Equal("skipped", skipped.Outcome);
        Assert.Contains("is down", skipped.Error);
        Assert.Equal(asked, cloud.Router.CountFor("prov-a")); // not even asked
        Assert.InRange(skipped.DurationMs, 0, 500);
    }

    [Fact]
    public async Task Many_429s_alone_never_open_the_circuit()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Break("prov-a", new Fault.Status(429));

        // Twelve calls rate-limited on every attempt (36 attempts, three times the minimum throughput):
        // each asks prov-a, then fails over.
        for (var call = 1; call <= 12; call++)
        {
            var outcome = await cloud.RunAsync("auto", "good");
            Assert.Equal("prov-b", outcome.Provenance!.Provider);
            Assert.DoesNotContain(outcome.Provenance.Attempts, a => a.Outcome == "skipped");
        }
        cloud.Router.Heal("prov-a");

        var healed = await cloud.RunAsync("prov-a", "good");

        Assert.Equal(37, cloud.Router.CountFor("prov-a"));
        Assert.Equal("prov-a", healed.Provenance!.Provider);
    }

    [Fact]
    public async Task Without_a_token_cloud_providers_are_unavailable_with_a_sentence_and_local_still_works()
    {
        await using var cloud = await CloudHarness.StartAsync(token: null);

        var error = Assert.Throws<InferenceException>(() => cloud.Service.RunAsync(new("x".Split(), Provider: "auto")));
        var local = await cloud.RunAsync("local", "fine");

        Assert.Equal(InferenceErrorKind.Unauthorized, error.Kind);
        Assert.Contains("HF_TOKEN", error.Message);
        Assert.Contains("Local models work without one", cloud.Service.CloudUnavailableReason);
        Assert.Empty(await cloud.Service.CloudProvidersAsync(null, default));
        Assert.Equal("local", local.Provenance!.Provider);
        Assert.Empty(cloud.Router.Requests);
    }

    [Fact]
    public async Task The_provider_list_comes_from_the_live_mapping()
    {
        await using var cloud = await CloudHarness.StartAsync();

        Assert.Equal(["prov-a", "prov-b"], await cloud.Service.CloudProvidersAsync(null, default));
    }

    [Fact]
    public async Task A_model_with_no_provider_falls_back_to_local()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Mapping[CloudHarness.CloudModel] = [];

        var outcome = await cloud.RunAsync("auto", "fine");

        Assert.Equal("local", outcome.Provenance!.Provider);
    }

    [Fact]
    public async Task A_model_not_offered_here_is_refused_before_any_call()
    {
        await using var cloud = await CloudHarness.StartAsync();

        var error = Assert.Throws<InferenceException>(() =>
            cloud.Service.RunAsync(new(["x"], Model: "someone/expensive-model", Provider: "auto")));

        Assert.Equal(InferenceErrorKind.ModelNotFound, error.Kind);
        Assert.Empty(cloud.Router.Requests);
    }
}
