using System.Text.Json;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Remote.Tests.Tasks.TextToImage;

/// <summary>
/// Each provider's exact request (path, headers, body keys under its own names, its own model id)
/// and answer (bytes, base64, URL, queue and polls), as the huggingface.js 4.13 helpers make them.
/// </summary>
public class ProviderShapeTests
{
    private static async Task<(ImageHarness Cloud, ImageHarness.Outcome Outcome)> DrawAt(MappedProvider provider, TextToImageParameters? parameters = null,
        string model = ImageHarness.Model)
    {
        var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[model] = [provider];
        var outcome = await cloud.RunAsync(provider.Provider, parameters ?? ImageHarness.AllParameters, model);
        Assert.Null(outcome.Error);
        Assert.Equal(FakeImageProviders.Png, outcome.Image!.Bytes);
        Assert.Equal("image/png", outcome.Image.ContentType);
        Assert.Equal((1, 1), (outcome.Image.Width, outcome.Image.Height)); // read from the image, not from what was asked
        Assert.Equal(provider.Provider, outcome.Provenance!.Provider);
        return (cloud, outcome);
    }

    private static void AssertBearer(ImageRequest request) => Assert.Equal($"Bearer {ImageHarness.Token}", request.Header("Authorization"));

    private static Dictionary<string, JsonElement> Keys(JsonElement body) =>
        body.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());

    [Fact]
    public async Task Hf_inference_posts_inputs_and_parameters_and_reads_image_bytes()
    {
        var (cloud, _) = await DrawAt(new("hf-inference", "stabilityai/sdxl"));
        await using var _cloud = cloud;
        var request = Assert.Single(cloud.Fake.To("hf-inference"));
        Assert.Equal("POST /hf-inference/models/stabilityai/sdxl", $"{request.Method} {request.PathAndQuery}");
        AssertBearer(request);
        var body = request.Json();
        Assert.Equal("a lighthouse at dusk", body.GetProperty("inputs").GetString());
        var parameters = Keys(body.GetProperty("parameters"));
        Assert.Equal(["guidance_scale", "height", "negative_prompt", "num_inference_steps", "scheduler", "seed", "width"], parameters.Keys.Order());
        Assert.Equal(512, parameters["width"].GetInt32());
        Assert.Equal(4, parameters["num_inference_steps"].GetInt32());
    }

    [Theory]
    [InlineData("together", "/together/v1/images/generations", "base64", "steps")]
    [InlineData("nscale", "/nscale/v1/images/generations", "b64_json", "num_inference_steps")]
    [InlineData("deepinfra", "/deepinfra/v1/openai/images/generations", "b64_json", "num_inference_steps")]
    public async Task OpenAI_style_providers_post_prompt_model_and_their_names_and_read_base64(string provider, string path, string format, string steps)
    {
        var (cloud, _) = await DrawAt(new(provider, "black-forest-labs/FLUX.1-schnell-at-" + provider));
        await using var _cloud = cloud;
        var request = Assert.Single(cloud.Fake.To(provider));
        Assert.Equal($"POST {path}", $"{request.Method} {request.PathAndQuery}");
        AssertBearer(request);
        var body = Keys(request.Json());
        Assert.Equal("black-forest-labs/FLUX.1-schnell-at-" + provider, body["model"].GetString());
        Assert.Equal("a lighthouse at dusk", body["prompt"].GetString());
        Assert.Equal(format, body["response_format"].GetString());
        Assert.Equal(4, body[steps].GetInt32());
        Assert.Equal(new[] { "guidance_scale", "height", "model", "negative_prompt", steps, "prompt", "response_format", "seed", "width" }.Order(), body.Keys.Order());
    }

    [Fact]
    public async Task Fal_ai_submits_to_its_queue_polls_the_status_then_fetches_the_result_and_the_image()
    {
        var (cloud, outcome) = await DrawAt(new("fal-ai", "fal-ai/flux/dev"), ImageHarness.AllParameters with { Seed = null });
        await using var _cloud = cloud;
        var requests = cloud.Fake.To("fal-ai");
        var submit = requests[0];
        Assert.Equal("POST /fal-ai/fal-ai/flux/dev?_subdomain=queue", $"{submit.Method} {submit.PathAndQuery}");
        AssertBearer(submit);
        var body = Keys(submit.Json());
        Assert.Equal(["guidance_scale", "image_size", "negative_prompt", "num_inference_steps", "prompt"], body.Keys.Order());
        Assert.Equal(512, body["image_size"].GetProperty("width").GetInt32());
        Assert.Equal(768, body["image_size"].GetProperty("height").GetInt32());

        var polls = requests.Skip(1).SkipLast(1).ToList();
        Assert.Equal(3, polls.Count); // two IN_PROGRESS, then COMPLETED
        Assert.All(polls, poll =>
        {
            Assert.Equal("GET /fal-ai/fal-ai/flux/dev/requests/req-1/status?_subdomain=queue", $"{poll.Method} {poll.PathAndQuery}");
            AssertBearer(poll);
        });
        Assert.Equal("GET /fal-ai/fal-ai/flux/dev/requests/req-1?_subdomain=queue", $"{requests[^1].Method} {requests[^1].PathAndQuery}");
        Assert.Contains(outcome.Progress, p => p.Contains("fal-ai: in progress", StringComparison.Ordinal));
        Assert.Equal(42, outcome.Image!.Seed); // fal says which seed it drew with

        var file = Assert.Single(cloud.Fake.Requests, r => r.PathAndQuery == "/files/image.png");
        Assert.Null(file.Header("Authorization")); // the token stays with the router
    }

    [Fact]
    public async Task Replicate_waits_with_its_input_object_and_fetches_the_output_url()
    {
        var (cloud, _) = await DrawAt(new("replicate", "black-forest-labs/flux-schnell"));
        await using var _cloud = cloud;
        var request = Assert.Single(cloud.Fake.To("replicate"));
        Assert.Equal("POST /replicate/v1/models/black-forest-labs/flux-schnell/predictions", $"{request.Method} {request.PathAndQuery}");
        AssertBearer(request);
        Assert.Equal("wait", request.Header("Prefer"));
        Assert.Equal(["input"], Keys(request.Json()).Keys);
        var input = Keys(request.Json().GetProperty("input"));
        Assert.Equal(["guidance_scale", "height", "negative_prompt", "num_inference_steps", "prompt", "seed", "width"], input.Keys.Order());
        Assert.Null(Assert.Single(cloud.Fake.Requests, r => r.PathAndQuery == "/files/image.png").Header("Authorization"));
    }

    [Fact]
    public async Task Replicate_with_a_version_posts_to_predictions_with_the_version()
    {
        var (cloud, _) = await DrawAt(new("replicate", "owner/sdxl:abc123"), new TextToImageParameters());
        await using var _cloud = cloud;
        var request = Assert.Single(cloud.Fake.To("replicate"));
        Assert.Equal("/replicate/v1/predictions", request.PathAndQuery);
        Assert.Equal("abc123", request.Json().GetProperty("version").GetString());
        Assert.Equal("a lighthouse at dusk", request.Json().GetProperty("input").GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task Wavespeed_submits_then_polls_its_result_url_on_the_router()
    {
        var (cloud, outcome) = await DrawAt(new("wavespeed", "wavespeed-ai/flux-dev"));
        await using var _cloud = cloud;
        var requests = cloud.Fake.To("wavespeed");
        Assert.Equal("POST /wavespeed/api/v3/wavespeed-ai/flux-dev", $"{requests[0].Method} {requests[0].PathAndQuery}");
        AssertBearer(requests[0]);
        var body = Keys(requests[0].Json());
        Assert.Equal(["guidance_scale", "height", "negative_prompt", "num_inference_steps", "prompt", "seed", "width"], body.Keys.Order());
        Assert.Equal(3, requests.Count(r => r.Method == "GET" && r.PathAndQuery == "/wavespeed/api/v3/predictions/ws-1/result"));
        Assert.All(requests.Skip(1), AssertBearer);
        Assert.Contains(outcome.Progress, p => p.Contains("wavespeed: processing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Zai_submits_with_its_headers_then_polls_the_async_result()
    {
        var (cloud, _) = await DrawAt(new("zai-org", "cogview-4-250304"));
        await using var _cloud = cloud;
        var requests = cloud.Fake.To("zai-org");
        var submit = requests[0];
        Assert.Equal("POST /zai-org/api/paas/v4/async/images/generations", $"{submit.Method} {submit.PathAndQuery}");
        var body = Keys(submit.Json());
        Assert.Equal("cogview-4-250304", body["model"].GetString());
        Assert.Equal("a lighthouse at dusk", body["prompt"].GetString());
        var polls = requests.Skip(1).ToList();
        Assert.Equal(3, polls.Count);
        Assert.All(requests, r =>
        {
            AssertBearer(r);
            Assert.Equal("hugging_face", r.Header("x-source-channel"));
            Assert.Equal("en-US,en", r.Header("accept-language")!.Replace(" ", "", StringComparison.Ordinal)); // .NET re-joins its list with ", "
        });
        Assert.All(polls, p => Assert.Equal("GET /zai-org/api/paas/v4/async-result/z-1", $"{p.Method} {p.PathAndQuery}"));
    }

    [Fact]
    public async Task Lora_models_send_their_adapter_as_each_provider_expects()
    {
        await using var cloud = await ImageHarness.StartAsync();
        var model = ImageHarness.LoraModel;
        cloud.Fake.Mapping[model] =
        [
            new("fal-ai", "fal-ai/lora", "lora", "pixel.safetensors"),
            new("replicate", "owner/flux-dev-lora", "lora", "pixel.safetensors"),
            new("wavespeed", "wavespeed-ai/flux-dev-lora", "lora", "pixel.safetensors"),
        ];
        foreach (var provider in new[] { "fal-ai", "replicate", "wavespeed" })
            Assert.Null((await cloud.RunAsync(provider, model: model)).Error);

        var fal = Keys(cloud.Fake.To("fal-ai")[0].Json());
        var lora = Assert.Single(fal["loras"].EnumerateArray());
        Assert.Equal("https://huggingface.co/org/lora/resolve/main/pixel.safetensors", lora.GetProperty("path").GetString());
        Assert.Equal(1, lora.GetProperty("scale").GetInt32());
        Assert.Equal("stabilityai/stable-diffusion-xl-base-1.0", fal["model_name"].GetString()); // fal's generic LoRA app needs its base

        var replicate = cloud.Fake.To("replicate")[0].Json().GetProperty("input");
        Assert.Equal("https://huggingface.co/org/lora", replicate.GetProperty("lora_weights").GetString());

        var wavespeed = Assert.Single(cloud.Fake.To("wavespeed")[0].Json().GetProperty("loras").EnumerateArray());
        Assert.Equal("org/lora", wavespeed.GetProperty("path").GetString());
    }

    [Fact]
    public async Task A_lora_model_is_not_sent_where_no_adapter_can_go_and_the_next_provider_draws_it()
    {
        await using var cloud = await ImageHarness.StartAsync();
        cloud.Fake.Mapping[ImageHarness.LoraModel] =
        [
            new("together", "black-forest-labs/FLUX.1-dev-lora", "lora", "pixel.safetensors"),
            new("fal-ai", "fal-ai/flux-lora", "lora", "pixel.safetensors"),
        ];
        var outcome = await cloud.RunAsync(model: ImageHarness.LoraModel);
        Assert.Null(outcome.Error);
        Assert.Empty(cloud.Fake.To("together")); // never a base-model image in the adapter's name
        Assert.Equal("fal-ai", outcome.Provenance!.Provider);
        Assert.Contains("LoRA", outcome.Provenance.Attempts[0].Error, StringComparison.Ordinal);
        Assert.False(cloud.Fake.To("fal-ai")[0].Json().TryGetProperty("model_name", out _)); // only fal-ai/lora takes a base model
    }
}
