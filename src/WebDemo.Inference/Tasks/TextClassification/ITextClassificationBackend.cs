using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tasks.TextClassification;

/// <summary>Something that can classify texts: the local ONNX runtime, or a cloud provider.</summary>
public interface ITextClassificationBackend
{
    /// <summary>The provider name shown with each answer ("local", "hf-inference", ...).</summary>
    string Provider { get; }

    /// <summary>Where the model runs, when the backend knows ("CPU", "CUDA").</summary>
    string? Device { get; }

    /// <summary>The model ids this backend serves; used to reject unknown models up front.</summary>
    IReadOnlyCollection<string> Models { get; }

    /// <summary>
    /// Streams progress (download, load) and one partial per input, in input order.
    /// Throws <see cref="Errors.InferenceException"/> for errors a user can act on.
    /// </summary>
    IAsyncEnumerable<InferenceUpdate<ClassifiedText>> ClassifyAsync(TextClassificationCall call, CancellationToken cancellationToken);
}
