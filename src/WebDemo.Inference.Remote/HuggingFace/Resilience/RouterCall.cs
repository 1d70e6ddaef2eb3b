using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Remote.HuggingFace.Resilience;

/// <summary>
/// What the router's message handler must know of the call in progress: which provider (for its
/// pipeline and circuit breaker), the time budget, where to report retries, whether to read the
/// whole body inside the attempt (single responses) or leave it streaming (chat). It also
/// brings back the provider the router says served the call (x-inference-provider). The
/// operator's OpenAI-compatible servers are called the same way, each as a provider of its own.
/// Ambient (AsyncLocal) because SDKs such as OpenAI's build their HTTP requests themselves.
/// </summary>
/// <param name="keySetting">
/// For a configured OpenAI-compatible server: the setting its API key comes from, named when the
/// server refuses it. Null for the Hugging Face router, whose token and x-inference-provider apply.
/// </param>
internal sealed class RouterCall(string provider, SingleResponseTimeouts budget, bool bufferBody, IProgress<ProgressInfo>? progress = null,
    string? keySetting = null)
{
    private static readonly AsyncLocal<RouterCall?> Ambient = new();

    public string Provider { get; } = provider;
    public SingleResponseTimeouts Budget { get; } = budget;
    public bool BufferBody { get; } = bufferBody;
    public IProgress<ProgressInfo>? Progress { get; } = progress;
    public string? KeySetting { get; } = keySetting;

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
