using Microsoft.ML.OnnxRuntime;

namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>How local models run (section "Onnx").</summary>
public sealed class OnnxRuntimeOptions
{
    public const string Section = "Onnx";

    /// <summary>
    /// "auto" (CUDA when this build and a GPU allow it, else CPU, saying why), "cpu", or "cuda":
    /// CUDA required: where it cannot load, models still run on CPU but the readiness probe
    /// (/readyz) fails, with the reason.
    /// </summary>
    public string ExecutionProvider { get; set; } = "auto";

    /// <summary>The CUDA device (GPU index) the models run on.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// ONNX Runtime's graph optimisation level: "all" (the default: every fusion, layout
    /// changes included), "extended", "basic" or "disabled".
    /// </summary>
    public string GraphOptimizationLevel { get; set; } = "all";

    /// <summary>
    /// ONNX Runtime's CPU memory arena (on by default, as in ONNX Runtime): buffers are reused
    /// from an arena that grows and is never given back; off, each run allocates and frees, which
    /// keeps the resident memory lower at some cost in speed.
    /// </summary>
    public bool CpuMemArena { get; set; } = true;

    /// <summary>
    /// How the CUDA memory arena grows (CUDA provider option arena_extend_strategy):
    /// "kNextPowerOfTwo" (ONNX Runtime's default: fewer, larger allocations) or
    /// "kSameAsRequested" (only what is asked for: less GPU memory held, more allocations).
    /// </summary>
    public string CudaArenaExtendStrategy { get; set; } = "kNextPowerOfTwo";

    /// <summary>
    /// How cuDNN picks each convolution's algorithm (CUDA provider option cudnn_conv_algo_search):
    /// "EXHAUSTIVE" (ONNX Runtime's default: benchmarks every algorithm on the first run of each
    /// shape; the fastest convolutions, as the UNet wants, after a slower first image),
    /// "HEURISTIC" (cuDNN's guess: a fast first run) or "DEFAULT" (the default algorithm).
    /// </summary>
    public string CudnnConvAlgoSearch { get; set; } = "EXHAUSTIVE";

    /// <summary>
    /// On CUDA, a local model configured as fp32 loads its repository's fp16 export instead when it
    /// ships one (<c>onnx/model_fp16.onnx</c>, ...): half the download and GPU memory, and the GPU's
    /// float16 arithmetic. Repositories without one load fp32, as configured. On CPU, never (ONNX
    /// Runtime's CPU kernels are float32: float16 would only add casts).
    /// </summary>
    public bool PreferFp16OnCuda { get; set; } = true;

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

    /// <summary>
    /// The most concurrent chats of one local chat model whose decode steps run as one model run
    /// (continuous batching: the weights are read once per step for all of them). 1 turns batching
    /// off: every chat steps on its own. Chosen from bench/ (see bench/README.md).
    /// </summary>
    public int ChatMaxBatch { get; set; } = DefaultChatMaxBatch;

    internal const int DefaultChatMaxBatch = 4;

    /// <summary>
    /// The most concurrent greedy or sampled requests of one summarization or translation model
    /// that start together and run as one batch (its encoder once, then one decoder run a step for
    /// all of them). 1 turns batching off. Chosen from bench/ (see bench/README.md).
    /// </summary>
    public int TextToTextMaxBatch { get; set; } = DefaultTextToTextMaxBatch;

    internal const int DefaultTextToTextMaxBatch = 4;

    /// <summary>
    /// The most tokens greedy generation (summarization, translation, chat) guesses ahead by prompt
    /// lookup and checks in one model run: the same tokens as without, fewer runs where the text
    /// repeats itself. 0 turns it off. Chosen from bench/ (see bench/README.md).
    /// </summary>
    public int PromptLookupTokens { get; set; } = DefaultPromptLookupTokens;

    internal const int DefaultPromptLookupTokens = 8;

    internal static readonly IReadOnlyDictionary<string, GraphOptimizationLevel> GraphOptimizationLevels =
        new Dictionary<string, GraphOptimizationLevel>(StringComparer.OrdinalIgnoreCase)
        {
            ["disabled"] = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL,
            ["basic"] = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            ["extended"] = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            ["all"] = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
        };

    internal static readonly string[] CudaArenaExtendStrategies = ["kNextPowerOfTwo", "kSameAsRequested"];

    internal static readonly string[] CudnnConvAlgoSearches = ["EXHAUSTIVE", "HEURISTIC", "DEFAULT"];

    internal static readonly string[] ExecutionProviders = ["auto", "cpu", "cuda"];
}
