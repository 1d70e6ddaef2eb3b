using WebDemo.Inference.Errors;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.HuggingFace;

public class CircuitAndTokenTests
{
    [Fact]
    public async Task A_provider_that_keeps_failing_is_skipped_at_once_while_its_circuit_is_open()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Break("prov-a", new Fault.Status(500));

        // Failures accumulate until the breaker opens (at least 4 calls, half of them failed);
        // meanwhile each call still fails over to prov-b.
        var first = await cloud.RunAsync("prov-a", "good");
        var second = await cloud.RunAsync("prov-a", "good");
        Assert.Equal("prov-b", first.Provenance!.Provider);
        Assert.Equal("prov-b", second.Provenance!.Provider);
        Assert.All(second.Provenance.Attempts.SkipLast(1), a => Assert.Equal(500, a.Status)); // what happened, even as the breaker opened
        var asked = cloud.Router.CountFor("prov-a");

        var third = await cloud.RunAsync("prov-a", "good");

        Assert.Equal("prov-b", third.Provenance!.Provider);
        var skipped = third.Provenance.Attempts[0];
        Assert.Equal("skipped", skipped.Outcome);
        Assert.Contains("is down", skipped.Error);
        Assert.Equal(asked, cloud.Router.CountFor("prov-a")); // not even asked
        Assert.InRange(skipped.DurationMs, 0, 500);
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
