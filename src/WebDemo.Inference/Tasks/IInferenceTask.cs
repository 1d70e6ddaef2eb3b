using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tasks;

/// <summary>
/// What every task request says: which model, and which provider ("local", "auto" or a
/// provider's name). Null means the task's default.
/// </summary>
public interface ITaskRequest
{
    /// <summary>The Hugging Face task name ("summarization"), the same for every request of the task.</summary>
    static abstract string TaskName { get; }

    string? Model { get; }

    string? Provider { get; }

    /// <summary>
    /// Whether a provider the caller named may be replaced when it fails (by the model's other
    /// providers, then the local model). Off by default: a named provider is honoured strictly,
    /// as the HF clients and the router do. "auto" always fails over.
    /// </summary>
    bool Failover { get; }
}

/// <summary>
/// A task as every surface sees it, without its types: for model lists, provider pickers and
/// dispatching an HTTP call to the task that serves a model.
/// </summary>
public interface IInferenceTask
{
    /// <summary>The Hugging Face task name ("summarization", "conversational").</summary>
    string Name { get; }

    /// <summary>The models this machine runs for the task, the default first.</summary>
    IReadOnlyList<string> LocalModels { get; }

    /// <summary>Every model a request may name: the local ones, then the cloud ones.</summary>
    IReadOnlyList<string> Models { get; }

    /// <summary>Null when cloud providers can be used; otherwise why not, in words for the page.</summary>
    string? CloudUnavailableReason { get; }

    /// <summary>The live cloud providers of a model (the task's cloud default when null), for a picker; empty when the cloud cannot be used.</summary>
    Task<IReadOnlyList<string>> CloudProvidersAsync(string? model, CancellationToken cancellationToken);

    /// <summary>Whether a cloud provider is one of the operator's OpenAI-compatible servers rather than a Hugging Face Inference Provider (for the picker's groups).</summary>
    bool IsOperatorServer(string provider) => false;
}

/// <summary>
/// One task: takes its request record and returns the update stream (progress, partial
/// output, then one final update with provenance). The pages, the SignalR hub and the HTTP API
/// are thin adapters over this.
/// </summary>
public interface IInferenceTask<in TRequest, TItem> : IInferenceTask where TRequest : ITaskRequest
{
    /// <summary>
    /// Validates at once, throwing <see cref="Errors.InferenceException"/> before anything
    /// streams (so the HTTP API can answer 4xx), then returns the stream.
    /// </summary>
    IAsyncEnumerable<InferenceUpdate<TItem>> RunAsync(TRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="RunAsync"/>, for a caller that shows nothing until the answer is complete
    /// (a non-streaming API call): each provider's output is held back until that provider has
    /// finished, so one that fails part-way can still fail over, and nothing of it is returned.
    /// </summary>
    IAsyncEnumerable<InferenceUpdate<TItem>> RunBufferedAsync(TRequest request, CancellationToken cancellationToken = default);
}
