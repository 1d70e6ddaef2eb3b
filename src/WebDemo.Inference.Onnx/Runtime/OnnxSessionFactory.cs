using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>Why CUDA is not the active execution provider.</summary>
internal enum CudaUnavailableCause
{
    /// <summary>CUDA is active, or CPU was configured.</summary>
    None,
    /// <summary>This build has the CPU-only ONNX Runtime: no CUDA execution provider at all.</summary>
    CpuBuild,
    /// <summary>The GPU build, but its CUDA provider library could not load: CUDA or cuDNN is missing.</summary>
    CudaLibrariesMissing,
    /// <summary>The CUDA provider loaded but found no GPU (or no NVIDIA driver, or not the configured device).</summary>
    NoGpu,
    /// <summary>Any other CUDA failure, in ONNX Runtime's words.</summary>
    Failed,
}

/// <summary>Which execution provider local models use, and why: shown on the Status page.</summary>
/// <param name="Requested">What the configuration asked for: auto, cpu or cuda.</param>
/// <param name="Active">"CPU" or "CUDA".</param>
/// <param name="Reason">Why that one, in words.</param>
/// <param name="Cause">Why not CUDA, where CUDA was asked for (auto or cuda) and is not active.</param>
internal sealed record ExecutionProviderStatus(string Requested, string Active, string Reason, IReadOnlyList<string> Available,
    CudaUnavailableCause Cause = CudaUnavailableCause.None)
{
    /// <summary>Onnx:ExecutionProvider=cuda: CUDA must be there; without it the app is not ready.</summary>
    public bool CudaRequired => Requested == "cuda";

    /// <summary>CUDA was required and the models run on CPU instead.</summary>
    public bool RequiredCudaMissing => CudaRequired && Active != "CUDA";
}

/// <summary>
/// Creates ONNX Runtime sessions with the execution provider chosen once, at start: CUDA when
/// the GPU build of ONNX Runtime and a GPU are there (and allowed), CPU otherwise. Remembers
/// which provider each model's sessions run on, for the Status page.
/// </summary>
internal sealed class OnnxSessionFactory
{
    private const string Cuda = "CUDA", Cpu = "CPU";
    private readonly OnnxRuntimeOptions _options;
    private readonly ILogger<OnnxSessionFactory> _logger;
    private readonly ConcurrentDictionary<string, string> _modelProviders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _modelCaches = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<InferenceSession, CacheLocation> _cudaCaches = [];
    private readonly Lazy<CacheLocation> _cudaCache;

    public OnnxSessionFactory(IOptions<OnnxRuntimeOptions> options, ILogger<OnnxSessionFactory> logger)
        : this(options, logger, NvidiaGpuVisible)
    {
    }

    /// <param name="gpuVisible">Whether an NVIDIA GPU can be seen (null: cannot tell on this OS): a hint for the reasons.</param>
    internal OnnxSessionFactory(IOptions<OnnxRuntimeOptions> options, ILogger<OnnxSessionFactory> logger, Func<bool?> gpuVisible)
    {
        _options = options.Value;
        _logger = logger;
        _gpuVisible = gpuVisible;
        _cudaCache = new(() => CacheLocation.Cuda(new TensorCopier(() => Options(useCuda: true)), _options.CudaDeviceId));
        Status = Choose();
        if (Status.Cause is CudaUnavailableCause.None or CudaUnavailableCause.CpuBuild && !Status.CudaRequired)
            _logger.LogInformation("ONNX Runtime execution provider: {Active} (requested {Requested}): {Reason}",
                Status.Active, Status.Requested, Status.Reason);
        else
            _logger.LogWarning("ONNX Runtime execution provider: {Active} (requested {Requested}): {Reason}",
                Status.Active, Status.Requested, Status.Reason);
    }

    private readonly Func<bool?> _gpuVisible;

    public ExecutionProviderStatus Status { get; private set; }

    /// <summary>The provider the sessions of a model (by id) run on: "CUDA", "CPU", "CUDA and CPU", or null before it is loaded.</summary>
    public string? ProviderOf(string modelId) => _modelProviders.GetValueOrDefault(modelId);

    /// <summary>Whether fp32 models load their fp16 export where they ship one: on CUDA, unless Onnx:PreferFp16OnCuda is off.</summary>
    public bool PrefersFp16 => Status.Active == Cuda && _options.PreferFp16OnCuda;

    /// <summary>Where a model's generation caches live on CUDA, in words; null on CPU (host memory, as always).</summary>
    public string? CacheOf(string modelId) => _modelCaches.GetValueOrDefault(modelId);

    /// <summary>Where a session made here keeps its key/value cache between steps: its GPU's memory on CUDA (when ONNX Runtime can copy back from it), else the host's.</summary>
    public CacheLocation CacheLocationFor(InferenceSession session) =>
        _cudaCaches.TryGetValue(session, out var cache) ? cache : CacheLocation.Host;

    /// <summary>A session for one ONNX file of a snapshot; a file ONNX Runtime cannot read is an error in words.</summary>
    public InferenceSession Create(ModelSnapshot snapshot, string onnxFile)
    {
        try
        {
            var session = Create(snapshot.Get(onnxFile), out var provider);
            _modelProviders.AddOrUpdate(snapshot.RepoId, provider, (_, was) => was == provider ? was : $"{Cuda} and {Cpu}");
            if (provider == Cuda)
            {
                var cache = _cudaCache.Value;
                _cudaCaches.AddOrUpdate(session, cache);
                if (_modelCaches.TryAdd(snapshot.RepoId, cache.Why))
                    _logger.Log(cache.OnDevice ? LogLevel.Information : LogLevel.Warning,
                        "Generation caches of local model {Model}: {Where}.", snapshot.RepoId, cache.Why);
            }
            return session;
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"ONNX Runtime could not load '{onnxFile}' of '{snapshot.RepoId}': the file may be corrupt or incomplete. " +
                $"Delete {snapshot.Directory} to download it again. ({ex.Message})", ex);
        }
    }

    public InferenceSession Create(string modelPath) => Create(modelPath, out _);

    private InferenceSession Create(string modelPath, out string provider)
    {
        if (Status.Active == Cuda)
        {
            try
            {
                using var cudaOptions = Options(useCuda: true);
                provider = Cuda;
                return new InferenceSession(modelPath, cudaOptions);
            }
            catch (OnnxRuntimeException ex)
            {
                // The CUDA provider loaded but the GPU would not take the model: keep serving on CPU.
                var (cause, why) = Explain(ex.Message);
                Status = Status with
                {
                    Active = Cpu, Cause = cause,
                    Reason = (Status.CudaRequired ? "CUDA was required but failed when loading a model: " : "CUDA failed when loading a model: ") + why + " Using CPU.",
                };
                _logger.LogWarning("CUDA session creation failed; falling back to CPU: {Reason}", Status.Reason);
            }
        }
        using var options = Options(useCuda: false);
        provider = Cpu;
        return new InferenceSession(modelPath, options);
    }

    /// <summary>The session options from configuration (Onnx:*), with the CUDA provider and its options when <paramref name="useCuda"/>.</summary>
    internal SessionOptions Options(bool useCuda)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = OnnxRuntimeOptions.GraphOptimizationLevels.GetValueOrDefault(
                _options.GraphOptimizationLevel ?? "", GraphOptimizationLevel.ORT_ENABLE_ALL),
            EnableCpuMemArena = _options.CpuMemArena,
        };
        try
        {
            if (_options.IntraOpThreads > 0)
                options.IntraOpNumThreads = _options.IntraOpThreads;
            if (!_options.AllowSpinning)
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            if (useCuda)
            {
                using var cuda = new OrtCUDAProviderOptions();
                cuda.UpdateOptions(CudaProviderOptions(_options));
                options.AppendExecutionProvider_CUDA(cuda);
            }
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>The CUDA provider options (ONNX Runtime's names) that the configuration sets.</summary>
    internal static Dictionary<string, string> CudaProviderOptions(OnnxRuntimeOptions options) => new(StringComparer.Ordinal)
    {
        ["device_id"] = options.CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["arena_extend_strategy"] = Canonical(OnnxRuntimeOptions.CudaArenaExtendStrategies, options.CudaArenaExtendStrategy),
        ["cudnn_conv_algo_search"] = Canonical(OnnxRuntimeOptions.CudnnConvAlgoSearches, options.CudnnConvAlgoSearch),
    };

    private static string Canonical(string[] names, string value) =>
        names.FirstOrDefault(n => string.Equals(n, value?.Trim(), StringComparison.OrdinalIgnoreCase)) ?? names[0];

    private ExecutionProviderStatus Choose()
    {
        var requested = (_options.ExecutionProvider ?? "auto").Trim().ToLowerInvariant();
        var available = OrtEnv.Instance().GetAvailableProviders();
        if (requested == "cpu")
            return new(requested, Cpu, "CPU was configured (Onnx:ExecutionProvider=cpu).", available);
        if (requested is not ("auto" or "cuda"))
            return new(requested, Cpu, $"Unknown execution provider '{requested}' configured; using CPU.", available);
        var lead = requested == "cuda" ? "CUDA was required (Onnx:ExecutionProvider=cuda) but " : "CUDA is not used: ";

        if (!available.Contains("CUDAExecutionProvider"))
            return new(requested, Cpu,
                lead + "this is the CPU build of ONNX Runtime, which has no CUDA execution provider (build with -p:OnnxRuntimeGpu=true for CUDA). Using CPU.",
                available, CudaUnavailableCause.CpuBuild);
        try
        {
            // Appending the provider loads its library (and CUDA's, cuDNN's): a missing one fails here.
            using var probe = Options(useCuda: true);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            var (cause, why) = Explain(ex.Message);
            return new(requested, Cpu, lead + why + " Using CPU.", available, cause);
        }
        if (_gpuVisible() == false)
            return new(requested, Cpu,
                lead + "no GPU: the GPU build of ONNX Runtime loaded its CUDA provider, but no NVIDIA GPU is visible (no /dev/nvidia* device). Using CPU.",
                available, CudaUnavailableCause.NoGpu);
        return new(requested, Cuda, $"The GPU build of ONNX Runtime loaded its CUDA provider for device {_options.CudaDeviceId}.", available);
    }

    /// <summary>Why CUDA failed, from ONNX Runtime's message: CUDA or cuDNN missing, no GPU, or something else; the message is kept.</summary>
    internal (CudaUnavailableCause Cause, string Reason) Explain(string message)
    {
        message = message.Trim();
        bool Says(params string[] words) => words.Any(w => message.Contains(w, StringComparison.OrdinalIgnoreCase));
        var noGpu = _gpuVisible() == false ? " No NVIDIA GPU is visible here either (no /dev/nvidia* device)." : "";
        if (Says("no CUDA-capable device", "cudaErrorNoDevice", "CUDA failure 100:", "driver version is insufficient",
                "CUDA failure 35:", "libcuda.so", "nvcuda.dll"))
            return (CudaUnavailableCause.NoGpu, $"no GPU: CUDA found no usable NVIDIA GPU or driver ({message}).");
        if (Says("invalid device ordinal", "CUDA failure 101:"))
            return (CudaUnavailableCause.NoGpu, $"no GPU with device id {_options.CudaDeviceId} (Onnx:CudaDeviceId) ({message}).");
        if (Says("cudnn"))
            return (CudaUnavailableCause.CudaLibrariesMissing,
                $"cuDNN is missing: the GPU build's CUDA provider library could not load ({message}).{noGpu}");
        if (Says("cannot open shared object", "LoadLibrary", "Error loading", "Failed to load", "cublas", "cudart", "cufft", "curand", "libonnxruntime_providers_cuda"))
            return (CudaUnavailableCause.CudaLibrariesMissing,
                $"CUDA or cuDNN is missing: the GPU build's CUDA provider library could not load ({message}).{noGpu}");
        return (CudaUnavailableCause.Failed, $"CUDA is not usable here ({message}).{noGpu}");
    }

    /// <summary>Linux: whether an NVIDIA GPU device node (/dev/nvidia0, 1, …, or WSL's /dev/dxg) is there; elsewhere null (cannot tell).</summary>
    private static bool? NvidiaGpuVisible()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            return File.Exists("/dev/dxg") || Directory.EnumerateFiles("/dev", "nvidia*")
                .Any(path => Path.GetFileName(path)["nvidia".Length..] is { Length: > 0 } n && n.All(char.IsAsciiDigit));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
