using Microsoft.Extensions.Options;
using WebDemo.Inference.Onnx.Batching;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Onnx.Tasks.TextClassification;

/// <summary>How a local text classifier is fetched (config, tokenizer, one ONNX graph) and loaded.</summary>
internal sealed class TextClassificationModelKind(OnnxSessionFactory sessions, IOptions<OnnxRuntimeOptions> options) : ILocalModelKind
{
    public string Task => TextClassificationRequest.TaskName;

    public IReadOnlyList<ModelFile> FilesFor(LocalModelEntry entry) => TextClassificationModel.FilesFor(entry.OnnxFile());

    public ILocalModel Load(ModelSnapshot snapshot, LocalModelEntry entry) =>
        TextClassificationModel.Load(snapshot, entry.OnnxFile(), sessions, Batching(options.Value));

    public static MicroBatcherOptions Batching(OnnxRuntimeOptions options) =>
        new(Math.Max(1, options.BatchSize), TimeSpan.FromMilliseconds(options.BatchMaxWaitMs), options.BatchMaxPadding);
}
