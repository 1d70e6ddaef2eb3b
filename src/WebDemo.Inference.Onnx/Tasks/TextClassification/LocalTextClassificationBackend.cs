using System.Runtime.CompilerServices;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Onnx.Tasks.TextClassification;

/// <summary>Text classification on this machine with ONNX Runtime.</summary>
internal sealed class LocalTextClassificationBackend(LocalModelLoader loader) : ILocalTaskBackend<TextClassificationCall, ClassifiedText>
{
    public string Provider => ProviderNames.Local;

    public string? Device => loader.ExecutionProvider.Active;

    public IReadOnlyCollection<string> Models => loader.ModelsFor(TextClassificationRequest.TaskName).ToList();

    public async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> StreamAsync(
        TextClassificationCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var loaded = new StrongBox<TextClassificationModel>();
        await foreach (var progress in ProgressUpdates.RunAsync(
            (report, ct) => loader.GetAsync<TextClassificationModel>(call.Model, TextClassificationRequest.TaskName, report, ct), loaded, cancellationToken))
        {
            yield return InferenceUpdate<ClassifiedText>.ForProgress(progress);
        }
        var model = loaded.Value!;

        // Every line joins the model's micro-batcher (with the lines of concurrent requests),
        // grouped by length; results stream out as their batches finish, in completion order, each
        // with its input position (ClassifiedText.Index). The page and the API order by Index.
        await foreach (var result in model.ClassifyAsync(call.Inputs, call.TopK, cancellationToken).ConfigureAwait(false))
            yield return InferenceUpdate<ClassifiedText>.ForPartial(result);
    }
}
