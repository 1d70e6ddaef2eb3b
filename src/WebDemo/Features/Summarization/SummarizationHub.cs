using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;

namespace WebDemo.Hubs;

public sealed partial class InferenceHub
{
    /// <summary><c>connection.StreamAsync&lt;InferenceUpdate&lt;GeneratedText&gt;&gt;("Summarization", request)</c>.</summary>
    public IAsyncEnumerable<InferenceUpdate<GeneratedText>> Summarization(SummarizationRequest request, CancellationToken cancellationToken) =>
        Run<SummarizationRequest, GeneratedText>(request, cancellationToken);
}
