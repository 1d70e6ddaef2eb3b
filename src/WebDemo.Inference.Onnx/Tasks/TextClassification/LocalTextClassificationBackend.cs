using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Onnx.Tasks.TextClassification;

/// <summary>Text classification on this machine with ONNX Runtime.</summary>
internal sealed class LocalTextClassificationBackend(
    LocalModelLoader loader,
    IOptions<OnnxRuntimeOptions> options) : ILocalTaskBackend<TextClassificationCall, ClassifiedText>
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

        // Batches keep the CPU busy; each batch's lines go out as soon as it is done.
        var batchSize = Math.Max(1, options.Value.BatchSize);
        for (var start = 0; start < call.Inputs.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = call.Inputs.Skip(start).Take(batchSize).ToList();
            var first = start;
            var results = await Task.Run(() => model.Classify(batch, first, call.TopK), cancellationToken).ConfigureAwait(false);
            foreach (var result in results)
                yield return InferenceUpdate<ClassifiedText>.ForPartial(result);
        }
    }
}
