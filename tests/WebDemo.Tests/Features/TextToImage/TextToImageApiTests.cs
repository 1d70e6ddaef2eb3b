using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextToImage;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.TextToImage;

/// <summary>
/// Text-to-image over the HF API and the hub on real Kestrel, with the repository's tiny Stable
/// Diffusion pipeline served as a Hub model: the answer is the PNG's bytes, the same seed gives
/// the same bytes, bad parameters get clear 4xx answers, and the official JS client reads it.
/// </summary>
[Collection(ServerCollection.Name)]
public class TextToImageApiTests(WebDemoServer server)
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private async Task<HttpResponseMessage> PostAsync(string body, string accept = "image/png", string path = "/models/" + TestPaths.StableDiffusionRepoId)
    {
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd(accept);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task The_answer_is_a_png_of_the_asked_size_the_same_for_the_same_seed_and_different_for_another()
    {
        const string Body = """{"inputs": "a lighthouse at dusk", "parameters": {"num_inference_steps": 2, "seed": 7, "width": 64, "height": 96}}""";

        var first = await PostAsync(Body);
        var again = await PostAsync(Body);
        var other = await PostAsync(Body.Replace("\"seed\": 7", "\"seed\": 8", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/png", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("local", first.Headers.GetValues("x-inference-provider").Single());
        var bytes = await first.Content.ReadAsByteArrayAsync();
        Assert.Equal(PngSignature, bytes[..8]);
        using (var image = SkiaSharp.SKBitmap.Decode(bytes))
            Assert.Equal((64, 96), (image.Width, image.Height));
        Assert.Equal(bytes, await again.Content.ReadAsByteArrayAsync());
        Assert.NotEqual(bytes, await other.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("""{"inputs": "", "parameters": {}}""", "Enter a prompt")]
    [InlineData("""{"inputs": "a fox", "parameters": {"width": 100}}""", "\"width\" must be a multiple of 8")]
    [InlineData("""{"inputs": "a fox", "parameters": {"num_inference_steps": 0}}""", "\"num_inference_steps\" must be 1 to")]
    [InlineData("""{"inputs": "a fox", "parameters": {"num_inference_steps": 1000}}""", "\"num_inference_steps\" must be 1 to")]
    [InlineData("""{"inputs": "a fox", "parameters": {"scheduler": "NoSuchScheduler"}}""", "NoSuchScheduler")]
    [InlineData("""{"inputs": "a fox \ud800"}""", "unpaired UTF-16 surrogate")]
    [InlineData("""{"parameters": {}}""", "no \"inputs\"")]
    [InlineData("""{"inputs": "a fox", "parameters": {"seed": "seven"}}""", "seed")]
    public async Task Bad_parameters_get_a_clear_4xx(string request, string expected)
    {
        var response = await PostAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode}: {body}");
        using var problem = JsonDocument.Parse(body);
        Assert.Contains(expected, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streaming_sends_each_step_with_an_eta_then_the_image_then_the_provenance()
    {
        var response = await PostAsync("""{"inputs": "a fox", "parameters": {"num_inference_steps": 4, "seed": 1}}""", "text/event-stream");

        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('\n'))
            .Select(lines => (Name: lines.First(l => l.StartsWith("event: ", StringComparison.Ordinal))[7..],
                Data: JsonDocument.Parse(lines.First(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..]).RootElement))
            .ToList();
        var steps = events.Where(e => e.Name == "progress" && e.Data.GetProperty("progress").GetProperty("stage").GetString() == GeneratedImage.StepStage).ToList();
        Assert.Equal(["Step 1 of 4", "Step 2 of 4", "Step 3 of 4", "Step 4 of 4"], steps.Select(s => s.Data.GetProperty("progress").GetProperty("message").GetString()));
        Assert.All(steps, s => Assert.True(s.Data.GetProperty("progress").GetProperty("etaSeconds").GetDouble() >= 0));
        var image = events.Last(e => e.Name == "partial").Data.GetProperty("partial");
        Assert.False(image.TryGetProperty("isPreview", out var preview) && preview.GetBoolean());
        Assert.Equal(PngSignature, Convert.FromBase64String(image.GetProperty("bytes").GetString()!)[..8]);
        Assert.Equal("final", events[^1].Name);
    }

    [Fact]
    public async Task The_hub_streams_step_progress_previews_and_the_image()
    {
        await using var connection = new HubConnectionBuilder().WithUrl(server.BaseUrl + "/hubs/inference").Build();
        await connection.StartAsync();

        var updates = new List<InferenceUpdate<GeneratedImage>>();
        await foreach (var update in connection.StreamAsync<InferenceUpdate<GeneratedImage>>("TextToImage",
            new TextToImageRequest("a red fox", new TextToImageParameters { NumInferenceSteps = 8, Seed = 3 }, TestPaths.StableDiffusionRepoId)))
        {
            updates.Add(update);
        }

        Assert.Equal(8, updates.Count(u => u.Progress?.Stage == GeneratedImage.StepStage));
        Assert.Contains(updates, u => u.Partial is { IsPreview: true, Step: > 0 });
        var image = updates.Last(u => u.Partial is { IsPreview: false }).Partial!;
        Assert.Equal((3L, 8), (image.Seed, image.Steps));
        Assert.Equal(PngSignature, image.Bytes[..8]);
        Assert.Equal(UpdateKind.Final, updates[^1].Kind);
    }

    [Fact]
    public async Task The_official_js_client_gets_the_png_and_a_readable_error()
    {
        using var doc = await NodeClient.RunAsync("hf-text-to-image-client.mjs", "@huggingface/inference", server.BaseUrl, TestPaths.StableDiffusionRepoId);

        var root = doc.RootElement;
        Assert.False(root.TryGetProperty("error", out var error), error.ToString());
        Assert.Equal("image/png", root.GetProperty("first").GetProperty("type").GetString());
        Assert.Equal(Convert.ToHexStringLower(PngSignature), root.GetProperty("first").GetProperty("head").GetString());
        Assert.Equal(root.GetProperty("first").GetProperty("sha").GetString(), root.GetProperty("again").GetProperty("sha").GetString());
        Assert.Contains("must be a multiple of 8", root.GetProperty("badSizeError").GetString(), StringComparison.Ordinal);
    }
}
