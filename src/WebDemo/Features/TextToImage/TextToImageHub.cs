using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Hubs;

public sealed partial class InferenceHub
{
    /// <summary>
    /// <c>connection.StreamAsync&lt;InferenceUpdate&lt;GeneratedImage&gt;&gt;("TextToImage", request)</c>:
    /// "step i of n" progress, previews (<c>IsPreview</c>), then the image.
    /// </summary>
    public IAsyncEnumerable<InferenceUpdate<GeneratedImage>> TextToImage(TextToImageRequest request, CancellationToken cancellationToken) =>
        Run<TextToImageRequest, GeneratedImage>(request, cancellationToken);
}
