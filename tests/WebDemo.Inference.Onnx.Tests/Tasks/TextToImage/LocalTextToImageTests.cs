using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Diffusion;
using WebDemo.Inference.Onnx.Tasks.TextToImage;
using WebDemo.Inference.Onnx.Tests.Diffusion;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextToImage;
using WebDemo.LocalHub;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tasks.TextToImage;

/// <summary>
/// Text-to-image as the app registers it (AddLocalTextToImage): the tiny SD is downloaded from a
/// loopback Hub in Optimum's folder layout, loaded, and drawn through the task, with its refusals.
/// </summary>
public sealed class LocalTextToImageTests : IAsyncLifetime
{
    private const string RepoId = StableDiffusionModelTests.RepoId;
    private readonly TempDirectory _cache = new();
    private LoopbackHub _hub = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _hub = await LoopbackHub.StartAsync([new LocalRepo(RepoId, SchedulerReference.ModelDir)]);
        _services = new TestSettings().Hub(_hub.Url, _cache.Path).LocalModel(RepoId, TextToImageRequest.TaskName)
            .Services((services, configuration) => services.AddLocalTextToImage(configuration));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _hub.DisposeAsync();
        _cache.Dispose();
    }

    private async Task<List<InferenceUpdate<GeneratedImage>>> RunAsync(TextToImageParameters parameters)
    {
        var task = _services.GetRequiredService<IInferenceTask<TextToImageRequest, GeneratedImage>>();
        var updates = new List<InferenceUpdate<GeneratedImage>>();
        await foreach (var update in task.RunAsync(new TextToImageRequest("a red fox in the snow", parameters, RepoId, "local")))
            updates.Add(update);
        return updates;
    }

    [Fact]
    public async Task The_task_downloads_loads_and_draws_on_the_local_model()
    {
        var updates = await RunAsync(new TextToImageParameters { Seed = 11, NumInferenceSteps = 4, Width = 96, Height = 64, Scheduler = "EulerDiscreteScheduler" });

        var stages = updates.Where(u => u.Kind == UpdateKind.Progress).Select(u => u.Progress!.Stage).Distinct().ToList();
        Assert.Contains("download", stages);
        Assert.Contains("load", stages);
        Assert.Contains(GeneratedImage.StepStage, stages);
        Assert.Equal(UpdateKind.Final, updates[^1].Kind);
        var image = updates.Last(u => u.Kind == UpdateKind.Partial).Partial!;
        Assert.Equal((96, 64, 11L, 4, false), (image.Width, image.Height, image.Seed!.Value, image.Steps!.Value, image.IsPreview));
        var (_, width, height) = ImageOutput.DecodePng(image.Bytes);
        Assert.Equal((96, 64), (width, height));
        Assert.Single(updates, u => u.Partial is { IsPreview: true, Step: 2 });

        // Loaded once: a second request draws at once, and the same seed gives the same bytes.
        var again = await RunAsync(new TextToImageParameters { Seed = 11, NumInferenceSteps = 4, Width = 96, Height = 64, Scheduler = "EulerDiscreteScheduler" });
        Assert.DoesNotContain(again, u => u.Progress?.Stage == "download");
        Assert.Equal(image.Bytes, again.Last(u => u.Kind == UpdateKind.Partial).Partial!.Bytes);
    }

    [Theory]
    [InlineData(256, null, "at most 128 pixels")]
    [InlineData(64, "KarrasScheduler", "Unknown scheduler \"KarrasScheduler\"")]
    public async Task Requests_beyond_the_model_are_refused_in_words(int width, string? scheduler, string message)
    {
        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            RunAsync(new TextToImageParameters { Width = width, Height = 64, Scheduler = scheduler }));
        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Contains(message, error.Message);
    }
}
