using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Runtime;

namespace WebDemo.Inference.Onnx.Tests.Runtime;

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
            Assert.Contains("CUDA was required", status.Reason);
            Assert.Contains("-p:OnnxRuntimeGpu=true", status.Reason);
        }
        else
        {
            Assert.Contains(status.Active, new[] { "CUDA", "CPU" });
        }
    }

    [Theory]
    [InlineData("fp32", "onnx/model.onnx")]
    [InlineData("q8", "onnx/model_quantized.onnx")]
    [InlineData("int8", "onnx/model_int8.onnx")]
    [InlineData("FP16", "onnx/model_fp16.onnx")]
    public void The_dtype_picks_the_transformers_js_onnx_file(string dtype, string file) =>
        Assert.Equal(file, new LocalModelEntry { Id = "org/m", Dtype = dtype }.OnnxFile());

    [Fact]
    public void An_unknown_dtype_is_refused_with_the_choices()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new LocalModelEntry { Id = "org/m", Dtype = "int3" }.OnnxFile());

        Assert.Contains("fp32, fp16, q8", error.Message);
    }
}
