using System.Net;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests;

/// <summary>The other HF task endpoints and the image providers' shapes, against the fake router.</summary>
public class TaskShapesTests
{
    private static async Task<CloudHarness> Start(string model, string task, bool allowPrivateImages = true)
    {
        var cloud = await CloudHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Cloud:AllowPrivateImageUrls"] = allowPrivateImages ? "true" : "false",
        });
        cloud.Router.Tasks[model] = task;
        return cloud;
    }

    [Fact]
    public async Task Summarization_translation_ner_qa_and_zero_shot_read_their_shapes()
    {
        await using var cloud = await Start("org/sum", "summarization");
        cloud.Router.Tasks["org/mt"] = "translation";
        cloud.Router.Tasks["org/ner"] = "token-classification";
        cloud.Router.Tasks["org/qa"] = "question-answering";
        cloud.Router.Tasks["org/zs"] = "zero-shot-classification";

        var summary = await cloud.Tasks.SummarizeAsync("hf-inference", "org/sum", "A very long article about many things.", null, default);
        var translation = await cloud.Tasks.TranslateAsync("hf-inference", "org/mt", "Hello", new { src_lang = "en", tgt_lang = "fr" }, default);
        var entities = await cloud.Tasks.ClassifyTokensAsync("hf-inference", "org/ner", "Angela Merkel met Macron.", default);
        var answer = await cloud.Tasks.AnswerQuestionAsync("hf-inference", "org/qa", "Where?", "She lives in Paris.", default);
        var labels = await cloud.Tasks.ZeroShotAsync("hf-inference", "org/zs", "The match ended 2-1", ["sports", "politics"], false, default);

        Assert.Equal("Summary: A very long article ", summary.SummaryText); // the fake summarizes to 20 characters
        Assert.Equal("Bonjour: Hello", translation.TranslationText);
        Assert.Equal(new Tasks.TokenEntity("PER", 0.99, "Angela Merkel", 0, 13), Assert.Single(entities));
        Assert.Equal(new Tasks.AnswerSpan("Paris", 0.93, 13, 18), answer);
        Assert.Equal(["sports", "politics"], labels.Select(l => l.Label));
        var qa = cloud.Router.Requests.Single(r => r.Model == "org/qa");
        Assert.Contains("\"question\":\"Where?\"", qa.Body);
        Assert.Contains("\"aggregation_strategy\":\"simple\"", cloud.Router.Requests.Single(r => r.Model == "org/ner").Body);
    }

    [Fact]
    public async Task Task_calls_get_the_same_resilience_as_classification()
    {
        await using var cloud = await Start("org/sum", "summarization");
        cloud.Router.Enqueue("hf-inference", new Fault.Status(503, """{"error":"loading","estimated_time":0.3}"""));

        var summary = await cloud.Tasks.SummarizeAsync("hf-inference", "org/sum", "Some text to summarize here.", null, default);

        Assert.StartsWith("Summary:", summary.SummaryText);
        Assert.Equal(2, cloud.Router.CountFor("hf-inference"));
    }

    [Theory]
    [InlineData("hf-inference")]
    [InlineData("fal-ai")]
    [InlineData("replicate")]
    [InlineData("together")]
    public async Task Each_image_provider_shape_gives_the_image(string provider)
    {
        await using var cloud = await Start("org/sd", "text-to-image");

        var image = await cloud.Images.GenerateAsync(provider, "org/sd", "an astronaut riding a horse", new Dictionary<string, object?> { ["width"] = 512 }, default);

        Assert.Equal(FakeRouter.Png, image.Bytes);
        Assert.StartsWith("image/", image.ContentType);
        var request = cloud.Router.Requests.Last();
        Assert.Contains("astronaut", request.Body);
        Assert.Contains("\"width\":512", request.Body);
        if (provider == "replicate")
            Assert.Equal("wait", request.Authorization); // the fake records replicate's Prefer header here
    }

    [Fact]
    public async Task A_provider_pointing_the_image_url_at_an_internal_address_is_refused()
    {
        await using var cloud = await Start("org/sd", "text-to-image", allowPrivateImages: false);
        cloud.Router.ImageUrl = "https://169.254.169.254/latest/meta-data/image.png";

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            cloud.Images.GenerateAsync("fal-ai", "org/sd", "a cat", null, default));

        Assert.Contains("not a public address", error.Message);
    }

    [Fact]
    public async Task A_plain_http_image_url_is_refused_unless_allowed()
    {
        await using var cloud = await Start("org/sd", "text-to-image", allowPrivateImages: false);

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            cloud.Images.GenerateAsync("replicate", "org/sd", "a cat", null, default));

        Assert.Contains("not an https URL", error.Message);
    }

    [Fact]
    public async Task An_empty_prompt_or_unknown_image_provider_is_a_clear_error()
    {
        await using var cloud = await Start("org/sd", "text-to-image");

        var empty = await Assert.ThrowsAsync<InferenceException>(() => cloud.Images.GenerateAsync("fal-ai", "org/sd", " ", null, default));
        var unknown = await Assert.ThrowsAsync<InferenceException>(() => cloud.Images.GenerateAsync("nowhere", "org/sd", "a cat", null, default));

        Assert.Equal(InferenceErrorKind.InvalidInput, empty.Kind);
        Assert.Contains("not supported here", unknown.Message);
    }

    [Theory]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("2606:4700:4700::1111", true)]
    public void Only_public_addresses_count_as_public(string address, bool isPublic) =>
        Assert.Equal(isPublic, TextToImageClient.IsPublic(IPAddress.Parse(address)));
}
