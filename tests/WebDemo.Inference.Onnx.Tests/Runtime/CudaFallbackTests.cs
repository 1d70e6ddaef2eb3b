using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Status;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.TestSupport;
using Xunit.Abstractions;

namespace WebDemo.Inference.Onnx.Tests.Runtime;

/// <summary>
/// CUDA asked for where it is missing: on this test's machine either the CPU build (no CUDA
/// provider) or the GPU build (-p:OnnxRuntimeGpu=true, as scripts/test.sh also runs these) without
/// CUDA's libraries or a GPU. With auto the models run on CPU and the status says why; with cuda
/// (required) they still run on CPU, but /readyz fails with the reason. On a machine where CUDA
/// works these tests have nothing to fall back from and check only that CUDA is active.
/// </summary>
public class CudaFallbackTests(ITestOutputHelper output)
{
    private static readonly bool CudaInThisBuild = OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");

    private static OnnxSessionFactory Factory(string requested, bool? gpuVisible = false, Action<OnnxRuntimeOptions>? configure = null)
    {
        var options = new OnnxRuntimeOptions { ExecutionProvider = requested };
        configure?.Invoke(options);
        return new(Options.Create(options), NullLogger<OnnxSessionFactory>.Instance, () => gpuVisible);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("cuda")]
    public void Cuda_missing_falls_back_to_cpu_and_says_why(string requested)
    {
        var status = Factory(requested).Status;
        output.WriteLine($"{status.Active} ({status.Cause}): {status.Reason}");
        if (status.Active == "CUDA")
            return; // CUDA works here: nothing to fall back from

        Assert.Equal("CPU", status.Active);
        Assert.EndsWith("Using CPU.", status.Reason);
        Assert.Equal(requested == "cuda", status.RequiredCudaMissing);
        if (requested == "cuda")
            Assert.StartsWith("CUDA was required (Onnx:ExecutionProvider=cuda) but ", status.Reason);
        if (!CudaInThisBuild)
        {
            Assert.Equal(CudaUnavailableCause.CpuBuild, status.Cause);
            Assert.Contains("CPU build of ONNX Runtime", status.Reason);
            Assert.Contains("-p:OnnxRuntimeGpu=true", status.Reason);
        }
        else
        {
            // The GPU build here: its CUDA provider library cannot load without CUDA and cuDNN, or it finds no GPU.
            Assert.Contains(status.Cause, new[] { CudaUnavailableCause.CudaLibrariesMissing, CudaUnavailableCause.NoGpu });
            Assert.Contains(status.Cause == CudaUnavailableCause.NoGpu ? "no GPU" : "CUDA or cuDNN is missing", status.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain("CPU build", status.Reason);
        }
    }

    [Fact]
    public void Auto_without_cuda_still_runs_the_model_on_cpu_and_the_status_says_so()
    {
        var sessions = Factory("auto");
        if (sessions.Status.Active == "CUDA")
            return;
        var dir = TestPaths.TinySentimentModelDir;
        var snapshot = new ModelSnapshot("org/tiny", null, dir,
            new Dictionary<string, string> { ["onnx/model.onnx"] = Path.Combine(dir, "onnx", "model.onnx") });

        using var session = sessions.Create(snapshot, "onnx/model.onnx");
        var inputs = session.InputNames.ToDictionary(name => name,
            _ => OrtValue.CreateTensorValueFromMemory(new long[] { 1, 5, 2 }, [1, 3]));
        using var run = new RunOptions();
        using var outputs = session.Run(run, inputs, session.OutputNames);
        foreach (var input in inputs.Values)
            input.Dispose();

        Assert.Equal([1, 2], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal("CPU", sessions.ProviderOf("org/tiny"));
        Assert.Null(sessions.ProviderOf("org/other"));
    }

    [Fact]
    public async Task Cuda_required_and_missing_makes_readiness_fail_with_the_reason()
    {
        using var cache = new TempDirectory();
        using var services = new TestSettings()
            .Hub("http://127.0.0.1:9", cache.Path, offline: true)
            .LocalModel(TestPaths.SentimentRepoId)
            .Set("Onnx:ExecutionProvider", "cuda")
            .Services((s, configuration) => s.AddLocalTextClassification(configuration));
        var status = services.GetRequiredService<OnnxSessionFactory>().Status;
        if (status.Active == "CUDA")
            return;

        var report = await services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(check => check.Tags.Contains(LocalModelsHealthCheck.ReadyTag));

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        var entry = report.Entries["execution-provider"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal(status.Reason, entry.Description);
        Assert.Contains("CUDA was required", entry.Description);
        // The models still load, on CPU, and the Status page says so.
        Assert.Equal("CPU", services.GetRequiredService<LocalModelLoader>().ExecutionProvider.Active);
    }

    [Fact]
    public async Task Auto_without_cuda_is_ready_and_says_why_it_runs_on_cpu()
    {
        var sessions = Factory("auto");
        if (sessions.Status.Active == "CUDA")
            return;

        var result = await new ExecutionProviderHealthCheck(sessions).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.StartsWith("CPU: CUDA is not used: ", result.Description);
    }

    [Fact]
    public async Task Cpu_configured_is_ready()
    {
        var result = await new ExecutionProviderHealthCheck(Factory("cpu")).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Theory]
    [InlineData("Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory",
        nameof(CudaUnavailableCause.CudaLibrariesMissing), "CUDA or cuDNN is missing")]
    [InlineData("Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory",
        nameof(CudaUnavailableCause.CudaLibrariesMissing), "cuDNN is missing")]
    [InlineData("CUDA failure 100: no CUDA-capable device is detected ; GPU=0 ; hostname=x ; expr=cudaSetDevice(info_.device_id);",
        nameof(CudaUnavailableCause.NoGpu), "no GPU")]
    [InlineData("CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version ; GPU=0",
        nameof(CudaUnavailableCause.NoGpu), "no GPU")]
    [InlineData("CUDA failure 101: invalid device ordinal ; GPU=3", nameof(CudaUnavailableCause.NoGpu), "no GPU with device id 3")]
    [InlineData("Something else entirely", nameof(CudaUnavailableCause.Failed), "CUDA is not usable here")]
    public void The_reason_names_what_is_missing(string message, string cause, string says)
    {
        var (found, reason) = Factory("cuda", gpuVisible: null, o => o.CudaDeviceId = 3).Explain(message);

        Assert.Equal(cause, found.ToString());
        Assert.StartsWith(says, reason, StringComparison.Ordinal);
        Assert.Contains(message, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_libraries_and_no_gpu_visible_says_both()
    {
        var (_, reason) = Factory("cuda", gpuVisible: false).Explain("libcudart.so.12: cannot open shared object file");

        Assert.Contains("No NVIDIA GPU is visible here either", reason);
    }

    [Fact]
    public void The_cuda_provider_options_come_from_configuration()
    {
        var options = CudaProviderOptionsOf(new OnnxRuntimeOptions { CudaDeviceId = 1, CudaArenaExtendStrategy = "ksameasrequested", CudnnConvAlgoSearch = "heuristic" });
        var defaults = CudaProviderOptionsOf(new OnnxRuntimeOptions());

        Assert.Equal("1", options["device_id"]);
        Assert.Equal("kSameAsRequested", options["arena_extend_strategy"]);
        Assert.Equal("HEURISTIC", options["cudnn_conv_algo_search"]);
        Assert.Equal("0", defaults["device_id"]);
        Assert.Equal("kNextPowerOfTwo", defaults["arena_extend_strategy"]);
        Assert.Equal("EXHAUSTIVE", defaults["cudnn_conv_algo_search"]);
    }

    private static Dictionary<string, string> CudaProviderOptionsOf(OnnxRuntimeOptions options) => OnnxSessionFactory.CudaProviderOptions(options);

    [Theory]
    [InlineData("all", GraphOptimizationLevel.ORT_ENABLE_ALL, true)]
    [InlineData("Basic", GraphOptimizationLevel.ORT_ENABLE_BASIC, false)]
    [InlineData("disabled", GraphOptimizationLevel.ORT_DISABLE_ALL, true)]
    public void The_session_options_come_from_configuration(string level, GraphOptimizationLevel expected, bool arena)
    {
        using var options = Factory("cpu", configure: o => { o.GraphOptimizationLevel = level; o.CpuMemArena = arena; }).Options(useCuda: false);

        Assert.Equal(expected, options.GraphOptimizationLevel);
        Assert.Equal(arena, options.EnableCpuMemArena);
    }

    [Theory]
    [InlineData("Onnx:CudnnConvAlgoSearch", "FASTEST", "EXHAUSTIVE, HEURISTIC or DEFAULT")]
    [InlineData("Onnx:CudaArenaExtendStrategy", "grow", "kNextPowerOfTwo or kSameAsRequested")]
    [InlineData("Onnx:GraphOptimizationLevel", "max", "all, extended, basic or disabled")]
    [InlineData("Onnx:ExecutionProvider", "rocm", "auto, cpu or cuda")]
    public void A_misconfigured_option_is_refused_in_words(string key, string value, string choices)
    {
        using var cache = new TempDirectory();
        using var services = new TestSettings()
            .Hub("http://127.0.0.1:9", cache.Path, offline: true)
            .Set(key, value)
            .Services((s, configuration) => s.AddLocalTextClassification(configuration));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value);

        Assert.Contains(choices, error.Message);
    }
}
