using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Remote.HuggingFace.Resilience;

/// <summary>
/// What the router's message handler must know of the call in progress: which provider (for its
/// pipeline and circuit breaker), the time budget, where to report retries, whether to read the
/// whole body inside the attempt (single responses) or leave it streaming (chat). It also
/// brings back the provider the router says served the call (x-inference-provider).
/// Ambient (AsyncLocal) because SDKs such as OpenAI's build their HTTP requests themselves.
/// </summary>
internal sealed class RouterCall(string provider, SingleResponseTimeouts budget, bool bufferBody, IProgress<ProgressInfo>? progress = null)
{
    private static readonly AsyncLocal<RouterCall?> Ambient = new();

    public string Provider { get; } = provider;
    public SingleResponseTimeouts Budget { get; } = budget;
    public bool BufferBody { get; } = bufferBody;
    public IProgress<ProgressInfo>? Progress { get; } = progress;

    /// <summary>Set by the handler from the router's x-inference-provider header.</summary>
    public string? ServedBy { get; set; }

    public static RouterCall? Current => Ambient.Value;

    public static IDisposable Begin(RouterCall call)
    {
        var previous = Ambient.Value;
        Ambient.Value = call;
        return new Restore(previous);
    }

    private sealed class Restore(RouterCall? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
