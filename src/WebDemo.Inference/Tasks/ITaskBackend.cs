using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tasks;

/// <summary>Something that runs one task for one provider: the local ONNX runtime, a cloud provider, an OpenAI-compatible server.</summary>
/// <typeparam name="TCall">The validated call, with the model the backend is asked for.</typeparam>
public interface ITaskBackend<in TCall, TItem>
{
    /// <summary>The provider name shown with each answer ("local", "hf-inference", ...).</summary>
    string Provider { get; }

    /// <summary>Where the model runs, when the backend knows ("CPU", "CUDA").</summary>
    string? Device { get; }

    /// <summary>
    /// Streams progress (download, load, retries) and partial output.
    /// Throws <see cref="Errors.InferenceException"/> for errors a user can act on.
    /// </summary>
    IAsyncEnumerable<InferenceUpdate<TItem>> StreamAsync(TCall call, CancellationToken cancellationToken);
}

/// <summary>A backend on this machine, serving the models it lists.</summary>
public interface ILocalTaskBackend<in TCall, TItem> : ITaskBackend<TCall, TItem>
{
    /// <summary>The model ids this backend serves; used to reject unknown models up front.</summary>
    IReadOnlyCollection<string> Models { get; }
}

/// <summary>A task's cloud providers: which serve a model, and a backend for each. One per task.</summary>
public interface ICloudTaskBackends<in TCall, TItem>
{
    /// <summary>Null when the cloud can be called; otherwise why not, in words for the page.</summary>
    string? UnavailableReason { get; }

    /// <summary>
    /// Models these backends serve besides the task's configured cloud models: the chat models of
    /// the operator's OpenAI-compatible servers, as last read. Empty for the Hugging Face router alone.
    /// </summary>
    IReadOnlyList<string> ServerModels => [];

    /// <summary>The live providers of a model for this task, in the Hub's order.</summary>
    Task<IReadOnlyList<CloudProvider>> ProvidersAsync(string model, CancellationToken cancellationToken);

    /// <summary>Whether a request may name this provider (a typo is refused in words, not sent with the token).</summary>
    bool IsKnownProvider(string provider);

    /// <summary>Whether the provider is one of the operator's OpenAI-compatible servers rather than a Hugging Face Inference Provider.</summary>
    bool IsOperatorServer(string provider) => false;

    /// <summary>The backend that asks <paramref name="provider"/> for <paramref name="model"/>.</summary>
    ITaskBackend<TCall, TItem> Create(CloudProvider provider, string model);

    /// <summary>For "auto": a first link that lets the router itself choose (chat); null when the task has none.</summary>
    CloudProvider? RouterChoice(string model);

    /// <summary>How long the cloud links of one call together may take to start answering, retries and waits included.</summary>
    TimeSpan CallBudget { get; }
}
