using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Remote.Tests.Tasks.TextToImage;

/// <summary>What goes wrong with image providers: errors and failover, an empty wait, budgets and cancellation while polling, URLs off the provider's hosts.</summary>
public class ImageFaultTests
{
    [Theory]
    [InlineData(402)]
    [InlineData(404)]
    [InlineData(429)]
    [InlineData(503)]
    public async Task An_error_at_the_first_provider_fails_over_to_the_next(int status)
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("fal-ai", "fal-ai/flux/dev"), new("together", "flux-at-together")];
        cloud.Fake.Fail("fal-ai", status, status, status); // retried ones (429, 503) fail every retry

        var outcome = await cloud.RunAsync();

        Assert.Null(outcome.Error);
        Assert.Equal("together", outcome.Provenance!.Provider);
        Assert.Equal(["fal-ai", "together"], outcome.Provenance.Attempts.Select(a => a.Provider));
        Assert.Equal(status, outcome.Provenance.Attempts[0].Status);
        Assert.Contains(outcome.Progress, p => p.Contains("trying the next provider", StringComparison.Ordinal));
        Assert.Equal(0, cloud.Local.Calls);
    }

    [Fact]
    public async Task When_every_provider_fails_the_local_pipeline_draws()
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("nscale", "flux-at-nscale"), new("replicate", "owner/flux")];
        cloud.Fake.Fail("nscale", 402);
        cloud.Fake.Fail("replicate", 404);

        var outcome = await cloud.RunAsync();

        Assert.Null(outcome.Error);
        Assert.Equal("local", outcome.Provenance!.Provider);
        Assert.Equal(1, cloud.Local.Calls);
    }

    [Fact]
    public async Task A_402_names_the_billing_page_and_ends_a_named_provider_without_failover()
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("wavespeed", "wavespeed-ai/flux-dev")];
        cloud.Fake.Fail("wavespeed", 402);

        var outcome = await cloud.RunAsync("wavespeed");

        Assert.Equal(InferenceErrorKind.PaymentRequired, outcome.Error!.Kind);
        Assert.Contains("huggingface.co/settings/billing", outcome.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_replicate_output_after_the_wait_is_a_timeout_not_a_malformed_answer()
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("replicate", "owner/flux")];
        cloud.Fake.On("POST /replicate/v1/*", _ => Results.Json(new { id = "p1", status = "processing", output = (string?)null }));

        var outcome = await cloud.RunAsync("replicate");

        Assert.Equal(InferenceErrorKind.TimedOut, outcome.Error!.Kind);
        Assert.Equal("replicate", outcome.Error.Provider);
    }

    [Fact]
    public async Task A_failed_replicate_prediction_says_why_and_fails_over()
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("replicate", "owner/flux"), new("hf-inference", "org/model")];
        cloud.Fake.On("POST /replicate/v1/*", _ => Results.Json(new { id = "p1", status = "failed", error = "NSFW content detected", output = Array.Empty<string>() }));

        var outcome = await cloud.RunAsync();

        Assert.Equal("hf-inference", outcome.Provenance!.Provider);
        Assert.Contains("NSFW content detected", outcome.Provenance.Attempts[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Polling_stops_at_the_image_budget_and_the_next_provider_draws()
    {
        await using var cloud = await ImageHarness.StartAsync(new Dictionary<string, string?> { ["Cloud:TextToImage:Total"] = "00:00:01" });
        cloud.Fake.Mapping[ImageHarness.Model] = [new("zai-org", "cogview-4"), new("together", "flux-at-together")];
        cloud.Fake.PollsBeforeDone = int.MaxValue;

        var clock = Stopwatch.StartNew();
        var outcome = await cloud.RunAsync();

        Assert.Equal("together", outcome.Provenance!.Provider);
        Assert.Equal("failed", outcome.Provenance.Attempts[0].Outcome);
        Assert.Contains("did not answer within 1 s", outcome.Provenance.Attempts[0].Error, StringComparison.Ordinal);
        Assert.True(cloud.Fake.To("zai-org").Count > 3, "it polled while the budget lasted");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("fal-ai", "fal-ai/flux/dev", "/status?")]
    [InlineData("wavespeed", "wavespeed-ai/flux-dev", "/result")]
    [InlineData("zai-org", "cogview-4", "async-result")]
    public async Task Cancelling_while_polling_stops_the_polls_at_once(string provider, string providerId, string poll)
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new(provider, providerId)];
        cloud.Fake.PollsBeforeDone = int.MaxValue;
        using var cancellation = new CancellationTokenSource();

        var run = cloud.RunAsync(provider, cancellationToken: cancellation.Token);
        var deadline = Stopwatch.StartNew();
        while (cloud.Fake.To(provider).Count(r => r.PathAndQuery.Contains(poll, StringComparison.Ordinal)) < 2 && deadline.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(10);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        // A poll already on the wire when the token fired may still reach the fake: let it land, then count.
        await Task.Delay(100);
        var polls = cloud.Fake.To(provider).Count;
        await Task.Delay(300); // fifteen poll intervals
        Assert.Equal(polls, cloud.Fake.To(provider).Count);
        Assert.Equal(0, cloud.Local.Calls);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/iam")]
    [InlineData("https://10.0.0.7/internal.png")]
    [InlineData("https://replicate.delivery.attacker.example/x.png")]
    [InlineData("http://replicate.delivery/x.png")]
    [InlineData("https://[::1]/x.png")]
    public async Task An_image_url_off_the_providers_https_hosts_is_never_fetched(string url)
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("replicate", "owner/flux")];
        cloud.Fake.ImageUrl = url;

        var outcome = await cloud.RunAsync("replicate");

        Assert.Equal(InferenceErrorKind.BackendFailed, outcome.Error!.Kind);
        Assert.Contains("not on replicate's own https hosts", outcome.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_off_the_providers_hosts_is_not_followed()
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("replicate", "owner/flux")];
        cloud.Fake.ImageUrl = cloud.Fake.Url + "/replicate/redirect";
        cloud.Fake.On("GET /replicate/redirect", _ => Results.Redirect("http://169.254.169.254/latest/meta-data"));

        var outcome = await cloud.RunAsync("replicate");

        Assert.Equal(InferenceErrorKind.BackendFailed, outcome.Error!.Kind);
        Assert.Contains("169.254.169.254", outcome.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(403)]
    [InlineData(404)]
    public async Task A_file_host_refusing_the_image_fails_over_without_blaming_the_token(int status)
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("replicate", "owner/flux"), new("together", "flux-at-together")];
        cloud.Fake.ImageUrl = cloud.Fake.Url + "/replicate-files/gone.png";
        cloud.Fake.On("GET /replicate-files/gone.png", _ => Results.StatusCode(status));

        var outcome = await cloud.RunAsync();

        Assert.Equal("together", outcome.Provenance!.Provider);
        Assert.Contains($"replicate's image could not be downloaded (HTTP {status})", outcome.Provenance.Attempts[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_url_answer_of_an_OpenAI_style_provider_is_fetched()
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("together", "flux-at-together")];
        cloud.Fake.On("POST /together/v1/images/generations", _ => Results.Json(new { data = new[] { new { url = cloud.Fake.Url + "/files/image.png" } } }));

        var outcome = await cloud.RunAsync("together");

        Assert.Equal(FakeImageProviders.Png, outcome.Image!.Bytes);
    }

    [Theory]
    [InlineData("https://v3.fal.media/files/koala/x.png", "fal-ai", true)]
    [InlineData("https://fal.media/files/x.png", "fal-ai", true)]
    [InlineData("https://fal.media.evil.example/x.png", "fal-ai", false)]
    [InlineData("https://evilfal.media/x.png", "fal-ai", false)]
    [InlineData("https://replicate.delivery/pbxt/x.webp", "replicate", true)]
    [InlineData("https://replicate.delivery/pbxt/x.webp", "fal-ai", false)]
    [InlineData("https://replicate.delivery:8443/x.webp", "replicate", false)]
    [InlineData("https://user@replicate.delivery/x.webp", "replicate", false)]
    [InlineData("https://127.0.0.1/x.png", "replicate", false)]
    public async Task Image_hosts_are_the_providers_own_https_hosts(string url, string provider, bool allowed)
    {
        await using var cloud = await ImageHarness.StartAsync();
        var hosts = new WebDemo.Inference.Remote.HuggingFace.TextToImageCloudOptions().ImageHosts[provider];
        Assert.Equal(allowed, cloud.Client.IsAllowed(new Uri(url), hosts));
    }

    [Fact]
    public async Task The_router_origin_is_allowed_for_files()
    {
        await using var cloud = await ImageHarness.StartAsync();
        Assert.True(cloud.Client.IsAllowed(new Uri(cloud.Fake.Url + "/files/image.png"), []));
        Assert.False(cloud.Client.IsAllowed(new Uri(cloud.Fake.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/files/image.png"), []));
    }

    [Fact]
    public async Task A_body_that_is_no_image_is_a_malformed_answer_and_fails_over()
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.Model] = [new("hf-inference", "org/model"), new("nscale", "flux-at-nscale")];
        cloud.Fake.On("POST /hf-inference/models/*", _ => Results.Text("<html>oops</html>", "text/html"));

        var outcome = await cloud.RunAsync();

        Assert.Equal("nscale", outcome.Provenance!.Provider);
        Assert.Contains("not a PNG, JPEG, WebP or GIF", outcome.Provenance.Attempts[0].Error, StringComparison.Ordinal);
    }
}
