namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>How local models run (section "Onnx").</summary>
public sealed class OnnxRuntimeOptions
{
    public const string Section = "Onnx";

    /// <summary>"auto" (CUDA when this build and a GPU allow it, else CPU), "cpu" or "cuda".</summary>
    public string ExecutionProvider { get; set; } = "auto";

    public int CudaDeviceId { get; set; }

    /// <summary>Threads one inference may use; 0 lets ONNX Runtime decide.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin while they wait for work (ONNX Runtime's own
    /// default). Spinning shaves a little latency off one request on an idle machine, but the
    /// waiting threads burn the cores that other requests, sessions and processes need: with
    /// concurrent requests, generation's many small decoder steps, or a shared machine, it costs
    /// far more than it saves, so it is off unless configured.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>
    /// The most texts one model run takes, from one request's lines or from concurrent requests
    /// (dynamic micro-batching); texts are grouped by length, and each result streams out as its
    /// batch finishes. Chosen from bench/ (see bench/README.md).
    /// </summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>How long (ms) a text that arrives at an idle model may wait for others to join its batch. 0 (the default): under load batches fill while the previous one runs, without waiting, and a lone caller never waits (bench/README.md).</summary>
    public double BatchMaxWaitMs { get; set; }

    /// <summary>The most padding a batch may carry per real token (0.25: a batch costs at most 1.25× its texts' own tokens); longer and shorter texts go in separate batches.</summary>
    public double BatchMaxPadding { get; set; } = 0.25;
}
