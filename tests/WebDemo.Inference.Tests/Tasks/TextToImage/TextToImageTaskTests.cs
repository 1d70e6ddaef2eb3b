using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Tests.Tasks.TextToImage;

public class TextToImageTaskTests
{
    private sealed class OneImageBackend : ILocalTaskBackend<TextToImageCall, GeneratedImage>
    {
        public string Provider => "local";
        public string? Device => "CPU";
        public IReadOnlyCollection<string> Models => ["org/sd"];
        public List<TextToImageCall> Calls { get; } = [];

        public async IAsyncEnumerable<InferenceUpdate<GeneratedImage>> StreamAsync(
            TextToImageCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Calls.Add(call);
            await Task.Yield();
            yield return InferenceUpdate<GeneratedImage>.ForProgress(new ProgressInfo(GeneratedImage.StepStage, "Step 1 of 1", 1));
            yield return InferenceUpdate<GeneratedImage>.ForPartial(new GeneratedImage([1, 2, 3], "image/png", 64, 64, 7, 1));
        }
    }

    private static (TextToImageTask, OneImageBackend) Create()
    {
        var backend = new OneImageBackend();
        var options = Options.Create(new TextToImageOptions { MaxPromptCharacters = 100, MaxSteps = 50, MaxSide = 1024 });
        return (new TextToImageTask([backend], options), backend);
    }

    [Fact]
    public async Task A_prompt_reaches_the_local_backend_with_its_parameters_and_ends_with_provenance()
    {
        var (task, backend) = Create();
        var parameters = new TextToImageParameters { Width = 512, Height = 768, NumInferenceSteps = 4, GuidanceScale = 7.5, Seed = 42, NegativePrompt = "blurry" };

        var updates = await task.RunAsync(new TextToImageRequest("a red fox", parameters)).ToListAsync();

        Assert.Equal([UpdateKind.Progress, UpdateKind.Partial, UpdateKind.Final], updates.Select(u => u.Kind));
        Assert.Equal("local", updates[^1].Provenance!.Provider);
        Assert.Equal("org/sd", updates[^1].Provenance!.Model);
        var call = Assert.Single(backend.Calls);
        Assert.Equal(("org/sd", "a red fox", parameters), (call.Model, call.Prompt, call.Parameters));
    }

    [Theory]
    [InlineData("", null, null, null, null, null, "Enter a prompt")]
    [InlineData("   ", null, null, null, null, null, "Enter a prompt")]
    [InlineData("ok", 500, null, null, null, null, "\"width\" must be a multiple of 8; 500 is not (try 496 or 504)")]
    [InlineData("ok", null, 100, null, null, null, "\"height\" must be a multiple of 8")]
    [InlineData("ok", 32, null, null, null, null, "\"width\" must be 64 to 1024")]
    [InlineData("ok", null, 2048, null, null, null, "\"height\" must be 64 to 1024")]
    [InlineData("ok", null, null, 0, null, null, "\"num_inference_steps\" must be 1 to 50")]
    [InlineData("ok", null, null, 1000, null, null, "\"num_inference_steps\" must be 1 to 50")]
    [InlineData("ok", null, null, null, -1.0, null, "\"guidance_scale\" must be 0 to 50")]
    [InlineData("ok", null, null, null, double.NaN, null, "\"guidance_scale\" must be 0 to 50")]
    [InlineData("ok", null, null, null, null, -5L, "\"seed\" must be 0 to")]
    public void Bad_parameters_are_refused_before_anything_runs(string prompt, int? width, int? height, int? steps, double? guidance, long? seed, string expected)
    {
        var (task, backend) = Create();
        var parameters = new TextToImageParameters { Width = width, Height = height, NumInferenceSteps = steps, GuidanceScale = guidance, Seed = seed };

        var error = Assert.Throws<InferenceException>(() => task.RunAsync(new TextToImageRequest(prompt, parameters)));

        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(backend.Calls);
    }

    [Fact]
    public void A_prompt_or_negative_prompt_over_the_limit_is_refused_with_its_length()
    {
        var (task, _) = Create();

        var prompt = Assert.Throws<InferenceException>(() => task.RunAsync(new TextToImageRequest(new string('a', 101))));
        var negative = Assert.Throws<InferenceException>(() => task.RunAsync(new TextToImageRequest("ok", new() { NegativePrompt = new string('a', 101) })));

        Assert.Contains("The prompt is 101 characters long; at most 100", prompt.Message, StringComparison.Ordinal);
        Assert.Contains("The negative prompt is 101 characters long", negative.Message, StringComparison.Ordinal);
    }
}
