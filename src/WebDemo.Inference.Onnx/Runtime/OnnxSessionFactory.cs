using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>Which execution provider local models use, and why: shown on the Status page.</summary>
/// <param name="Requested">What the configuration asked for: auto, cpu or cuda.</param>
/// <param name="Active">"CPU" or "CUDA".</param>
/// <param name="Reason">Why that one, in words.</param>
internal sealed record ExecutionProviderStatus(string Requested, string Active, string Reason, IReadOnlyList<string> Available);

/// <summary>
/// Creates ONNX Runtime sessions with the execution provider chosen once, at start: CUDA when
/// the GPU build of ONNX Runtime and a GPU are there (and allowed), CPU otherwise.
/// </summary>
internal sealed class OnnxSessionFactory
{
    private readonly OnnxRuntimeOptions _options;
    private readonly ILogger<OnnxSessionFactory> _logger;

    public OnnxSessionFactory(IOptions<OnnxRuntimeOptions> options, ILogger<OnnxSessionFactory> logger)
    {
        _options = options.Value;
        _logger = logger;
        Status = Choose();
        _logger.LogInformation("ONNX Runtime execution provider: {Active} (requested {Requested}): {Reason}",
            Status.Active, Status.Requested, Status.Reason);
    }

    public ExecutionProviderStatus Status { get; private set; }

    /// <summary>A session for one ONNX file of a snapshot; a file ONNX Runtime cannot read is an error in words.</summary>
    public InferenceSession Create(ModelSnapshot snapshot, string onnxFile)
    {
        try
        {
            return Create(snapshot.Get(onnxFile));
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"ONNX Runtime could not load '{onnxFile}' of '{snapshot.RepoId}': the file may be corrupt or incomplete. " +
                $"Delete {snapshot.Directory} to download it again. ({ex.Message})", ex);
        }
    }

    public InferenceSession Create(string modelPath)
    {
        if (Status.Active == "CUDA")
        {
            try
            {
                return new InferenceSession(modelPath, Options(useCuda: true));
            }
            catch (OnnxRuntimeException ex)
            {
                // The CUDA provider loaded but the GPU would not take the model: keep serving on CPU.
                Status = Status with { Active = "CPU", Reason = $"CUDA failed when loading a model ({ex.Message}); using CPU." };
                _logger.LogWarning("CUDA session creation failed; falling back to CPU: {Error}", ex.Message);
            }
        }
        return new InferenceSession(modelPath, Options(useCuda: false));
    }

    private SessionOptions Options(bool useCuda)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (_options.IntraOpThreads > 0)
            options.IntraOpNumThreads = _options.IntraOpThreads;
        if (!_options.AllowSpinning)
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (useCuda)
            options.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
        return options;
    }

    private ExecutionProviderStatus Choose()
    {
        var requested = (_options.ExecutionProvider ?? "auto").Trim().ToLowerInvariant();
        var available = OrtEnv.Instance().GetAvailableProviders();
        if (requested == "cpu")
            return new(requested, "CPU", "CPU was configured (Onnx:ExecutionProvider=cpu).", available);
        if (requested is not ("auto" or "cuda"))
            return new(requested, "CPU", $"Unknown execution provider '{requested}' configured; using CPU.", available);

        if (!available.Contains("CUDAExecutionProvider"))
        {
            const string why = "this build has the CPU-only ONNX Runtime (build with -p:OnnxRuntimeGpu=true for CUDA).";
            if (requested == "cuda")
                _logger.LogWarning("CUDA was requested but {Why} Falling back to CPU.", why);
            return new(requested, "CPU", requested == "cuda" ? "CUDA was requested but " + why : "CPU: " + why, available);
        }
        try
        {
            using var probe = new SessionOptions();
            probe.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
            return new(requested, "CUDA", $"The GPU build of ONNX Runtime found CUDA device {_options.CudaDeviceId}.", available);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            if (requested == "cuda")
                _logger.LogWarning("CUDA was requested but is not usable ({Error}); falling back to CPU.", ex.Message);
            return new(requested, "CPU", $"CUDA is not usable here ({ex.Message}); using CPU.", available);
        }
    }
}
