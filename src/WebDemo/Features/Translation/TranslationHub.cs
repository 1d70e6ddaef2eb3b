using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Translation;

namespace WebDemo.Hubs;

public sealed partial class InferenceHub
{
    /// <summary><c>connection.StreamAsync&lt;InferenceUpdate&lt;GeneratedText&gt;&gt;("Translation", request)</c>.</summary>
    public IAsyncEnumerable<InferenceUpdate<GeneratedText>> Translation(TranslationRequest request, CancellationToken cancellationToken) =>
        Run<TranslationRequest, GeneratedText>(request, cancellationToken);
}
