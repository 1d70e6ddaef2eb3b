using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Runtime;

/// <summary>
/// Where generation caches stay between steps. Without a GPU only the host side runs here; the
/// same IO-binding path keeps them on the GPU under CUDA (checked on a lent GPU machine).
/// </summary>
public sealed class CacheLocationTests : IDisposable
{
    private readonly InferenceSession _session = new(Path.Combine(TestPaths.TinyLlamaModelDir, "onnx", "model.onnx"));

    public void Dispose() => _session.Dispose();

    [Fact]
    public void A_cpu_session_keeps_its_cache_in_host_memory_and_reads_it_without_a_copy()
    {
        var factory = new OnnxSessionFactory(Options.Create(new OnnxRuntimeOptions { ExecutionProvider = "cpu" }), NullLogger<OnnxSessionFactory>.Instance);
        var snapshot = new ModelSnapshot("org/tiny-llama", Revision: null, TestPaths.TinyLlamaModelDir,
            new Dictionary<string, string> { ["onnx/model.onnx"] = Path.Combine(TestPaths.TinyLlamaModelDir, "onnx", "model.onnx") });
        using var session = factory.Create(snapshot, "onnx/model.onnx");

        var cache = factory.CacheLocationFor(session);

        Assert.Same(CacheLocation.Host, cache);
        Assert.False(cache.OnDevice);
        Assert.Null(factory.CacheOf("org/tiny-llama"));
        using var value = OrtValue.CreateTensorValueFromMemory(new[] { 1f, 2f }, [2]);
        Assert.Same(value, cache.ToHost(value, out var copied));
        Assert.False(copied);
    }

    [Fact]
    public void Where_copies_to_the_gpu_fail_the_cache_stays_on_the_host_and_says_why()
    {
        // A copier on the CPU provider has no CUDA memory to copy into.
        using var copier = new TensorCopier(() => new SessionOptions());

        var cache = CacheLocation.Cuda(copier, deviceId: 0);

        Assert.False(cache.OnDevice);
        Assert.StartsWith("in host memory, copied to the GPU every step: copying a tensor to CUDA device 0 and back failed (", cache.Why);
        Assert.Equal(OrtMemoryInfoDeviceType.CPU, cache.Memory.GetDeviceType());
    }

    [Theory]
    [InlineData(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)]
    [InlineData(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16)]
    public void The_copier_copies_a_cache_tensor_of_either_element_type_into_new_memory(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType type)
    {
        using var copier = new TensorCopier(() => new SessionOptions());
        long[] shape = [2, 3, 4, 5];
        using var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, shape);
        var bytes = value.GetTensorMutableRawData();
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(i * 7);

        using var copy = copier.Copy(value, OrtMemoryInfo.DefaultInstance);

        Assert.Equal(shape, copy.GetTensorTypeAndShape().Shape);
        Assert.Equal(type, copy.GetTensorTypeAndShape().ElementDataType);
        Assert.Equal(bytes.ToArray(), copy.GetTensorMutableRawData().ToArray());
        bytes[0] ^= 0xFF; // its own memory, not a view of the original
        Assert.NotEqual(bytes[0], copy.GetTensorMutableRawData()[0]);
    }

    [Fact]
    public void A_bound_run_gives_the_same_outputs_as_a_plain_run_in_the_order_asked_for()
    {
        var pasts = _session.InputMetadata.Keys.Where(n => n.StartsWith("past_key_values.", StringComparison.Ordinal)).ToList();
        var dims = _session.InputMetadata[pasts[0]].Dimensions;
        long[] ids = [1, 5, 9, 14];
        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var mask = OrtValue.CreateTensorValueFromMemory(new long[] { 1, 1, 1, 1 }, [1, ids.Length]);
        using var positions = OrtValue.CreateTensorValueFromMemory(new long[] { 0, 1, 2, 3 }, [1, ids.Length]);
        var empties = pasts.Select(_ => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [1, dims[1], 0, dims[3]])).ToList();
        List<string> names = ["input_ids", "attention_mask", "position_ids", .. pasts];
        List<OrtValue> values = [inputIds, mask, positions, .. empties];
        // Asked for in an order unlike the graph's: the results must follow the request.
        List<string> outputs = ["logits", "present.1.value", "present.0.key"];
        using var options = new RunOptions();

        using var plain = _session.Run(options, names, values, outputs);
        // The path a GPU cache takes (IO binding), here with host memory.
        using var bound = CacheLocation.Host.RunBound(_session, options, names, values, outputs, hostOutputs: 1);

        Assert.Equal(outputs.Count, bound.Count);
        for (var i = 0; i < outputs.Count; i++)
        {
            Assert.Equal(plain[i].GetTensorTypeAndShape().Shape, bound[i].GetTensorTypeAndShape().Shape);
            Assert.Equal(plain[i].GetTensorDataAsSpan<float>().ToArray(), bound[i].GetTensorDataAsSpan<float>().ToArray());
        }
        foreach (var empty in empties)
            empty.Dispose();
    }
}
