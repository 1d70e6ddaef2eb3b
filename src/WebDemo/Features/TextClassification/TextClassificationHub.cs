using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;

// The hub is one class across the feature folders: each task adds its streaming method here.
namespace WebDemo.Hubs;

public sealed partial class InferenceHub
{
    /// <summary><c>connection.StreamAsync&lt;InferenceUpdate&lt;ClassifiedText&gt;&gt;("TextClassification", request)</c>.</summary>
    public IAsyncEnumerable<InferenceUpdate<ClassifiedText>> TextClassification(TextClassificationRequest request, CancellationToken cancellationToken) =>
        Run<TextClassificationRequest, ClassifiedText>(request, cancellationToken);
}
