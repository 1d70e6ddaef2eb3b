using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Onnx.Runtime;

namespace WebDemo.Inference.Onnx.Tests;

public class ExecutionProviderTests
{
    private static OnnxSessionFactory Factory(string requested) =>
        new(Options.Create(new OnnxRuntimeOptions { ExecutionProvider = requested }), NullLogger<OnnxSessionFactory>.Instance);

    [Fact]
    public void Cpu_is_used_when_configured()
    {
        var status = Factory("cpu").Status;

        Assert.Equal("CPU", status.Active);
        Assert.Contains("configured", status.Reason);
    }

    [Fact]
    public void Asking_the_cpu_build_for_cuda_falls_back_to_cpu_and_says_why()
    {
        var status = Factory("cuda").Status;

        // The default build has the CPU package only; a GPU build on a GPU machine would say CUDA.
        if (!status.Available.Contains("CUDAExecutionProvider"))
        {
            Assert.Equal("CPU", status.Active);
            Assert.Contains("CUDA was requested", status.Reason);
            Assert.Contains("-p:OnnxRuntimeGpu=true", status.Reason);
        }
        else
        {
            Assert.Contains(status.Active, new[] { "CUDA", "CPU" });
        }
    }
}
