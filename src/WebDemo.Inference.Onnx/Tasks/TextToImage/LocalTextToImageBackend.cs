using System.Runtime.CompilerServices;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Onnx.Tasks.TextToImage;

/// <summary>How a local Stable Diffusion export (LocalModels entry with Task "text-to-image") is fetched and loaded.</summary>
internal sealed class StableDiffusionModelKind(OnnxSessionFactory sessions) : ILocalModelKind
{
    public string Task => TextToImageRequest.TaskName;

    public IReadOnlyList<ModelFile> FilesFor(LocalModelEntry entry) => StableDiffusionModel.FilesFor(entry);

    public ILocalModel Load(ModelSnapshot snapshot, LocalModelEntry entry) => StableDiffusionModel.Load(snapshot, entry, sessions);
}

/// <summary>
/// Text-to-image on the local Stable Diffusion models: the model is loaded (with progress) on
/// first use; the request's settings are checked against the model before any work; then the
/// denoising steps stream as progress with previews, and the PNG comes last.
/// </summary>
internal sealed class LocalTextToImageBackend(LocalModelLoader loader) : ILocalTaskBackend<TextToImageCall, GeneratedImage>
{
    public string Provider => ProviderNames.Local;

    public string? Device => loader.ExecutionProvider.Active;

    public IReadOnlyCollection<string> Models => loader.ModelsFor(TextToImageRequest.TaskName).ToList();

    public async IAsyncEnumerable<InferenceUpdate<GeneratedImage>> StreamAsync(TextToImageCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var loaded = new StrongBox<StableDiffusionModel>();
        await foreach (var progress in ProgressUpdates.RunAsync(
            (report, ct) => loader.GetAsync<StableDiffusionModel>(call.Model, TextToImageRequest.TaskName, report, ct), loaded, cancellationToken).ConfigureAwait(false))
        {
            yield return InferenceUpdate<GeneratedImage>.ForProgress(progress);
        }
        var model = loaded.Value!;
        var settings = model.Resolve(call.Prompt, call.Parameters);
        await foreach (var update in model.GenerateAsync(settings, cancellationToken).ConfigureAwait(false))
            yield return update;
    }
}
