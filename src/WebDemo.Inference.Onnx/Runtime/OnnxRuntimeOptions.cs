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

    /// <summary>Texts run through the model together; each batch's results stream out as it finishes.</summary>
    public int BatchSize { get; set; } = 8;
}
