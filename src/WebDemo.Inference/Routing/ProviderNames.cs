namespace WebDemo.Inference.Routing;

public static class ProviderNames
{
    /// <summary>This machine's ONNX Runtime.</summary>
    public const string Local = "local";

    /// <summary>Let the Hugging Face router choose (the model's provider mapping, in order).</summary>
    public const string Auto = "auto";
}

/// <summary>One link of a failover chain: ask this backend, as this provider, for this model.</summary>
/// <param name="Device">Where it runs, when known (local links: "CPU" or "CUDA").</param>
internal sealed record ChainLink<TBackend>(string Provider, string Model, TBackend Backend, string? Device = null);
