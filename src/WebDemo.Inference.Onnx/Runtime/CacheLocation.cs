using Microsoft.ML.OnnxRuntime;

namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>
/// Where a session keeps the outputs that only feed its own next run: a generation's key/value
/// cache, step after step. On CUDA they stay in GPU memory (ONNX Runtime IO binding), so a step
/// does not copy the whole cache to the host and back; on CPU, host memory, which is where ONNX
/// Runtime would have put them anyway. Logits and other results always come to the host.
/// <para>
/// Beam search and continuous batching rearrange cache rows in C#, which needs them on the host:
/// on a device, <see cref="ToHost"/> copies them there (<see cref="TensorCopier"/>), and the
/// rearranged copy goes back up as the next step's input. Where that copy does not work (tried once,
/// at the first CUDA session), the cache stays on the host, as before, and <see cref="Why"/> says so.
/// </para>
/// </summary>
internal sealed class CacheLocation
{
    private readonly TensorCopier? _copier;
    private readonly bool _alwaysCopy;

    private CacheLocation(OrtMemoryInfo memory, string why, TensorCopier? copier = null, bool alwaysCopy = false)
    {
        Memory = memory;
        Why = why;
        _copier = copier;
        _alwaysCopy = alwaysCopy;
    }

    /// <summary>Host memory: every CPU session, and the fallback.</summary>
    public static CacheLocation Host { get; } = new(OrtMemoryInfo.DefaultInstance, "in host memory (CPU)");

    /// <summary>
    /// For checks without a GPU: host memory handled as a device's is (IO binding, and a copy
    /// through <see cref="TensorCopier"/> whenever a cache is read in C#), so the GPU path runs on any machine.
    /// </summary>
    internal static CacheLocation HostAsIfDevice { get; } = new(OrtMemoryInfo.DefaultInstance,
        "in host memory, handled as a device's (checks)", new TensorCopier(() => new SessionOptions()), alwaysCopy: true);

    /// <summary>The memory the cache outputs are bound to.</summary>
    public OrtMemoryInfo Memory { get; }

    /// <summary>Whether the cache is handled as a device's (a GPU's): bound there, and copied to be read.</summary>
    public bool OnDevice => _copier is not null;

    /// <summary>Where the cache lives, and why, in words (the Status page, the log).</summary>
    public string Why { get; }

    /// <summary>
    /// GPU memory of one CUDA device, if <paramref name="copier"/> (on the CUDA provider) takes a
    /// tensor there and back (tried once, with one number); otherwise the host, saying why.
    /// </summary>
    public static CacheLocation Cuda(TensorCopier copier, int deviceId)
    {
        var memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, deviceId, OrtMemType.Default);
        try
        {
            var sent = new[] { 1.5f };
            using var up = OrtValue.CreateTensorValueFromMemory(sent, [1]);
            using var onDevice = copier.Copy(up, memory);
            using var back = copier.Copy(onDevice, OrtMemoryInfo.DefaultInstance);
            using (var info = onDevice.GetTensorMemoryInfo())
            {
                if (info.GetDeviceType() != OrtMemoryInfoDeviceType.GPU)
                    throw new InvalidOperationException($"the copy landed in {info.GetDeviceType()} memory, not the GPU's.");
            }
            if (back.GetTensorDataAsSpan<float>()[0] != sent[0])
                throw new InvalidOperationException("a number copied to the GPU and back came back changed.");
            return new CacheLocation(memory, $"in GPU memory (CUDA device {deviceId}), kept there between steps", copier);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or InvalidOperationException or EntryPointNotFoundException)
        {
            memory.Dispose();
            return new CacheLocation(OrtMemoryInfo.DefaultInstance,
                $"in host memory, copied to the GPU every step: copying a tensor to CUDA device {deviceId} and back failed ({ex.Message.Trim()})");
        }
    }

    /// <summary>
    /// The value itself when it is in host memory; else a host copy, which the caller disposes
    /// (<paramref name="copied"/> true).
    /// </summary>
    public OrtValue ToHost(OrtValue value, out bool copied)
    {
        copied = false;
        if (_copier is null)
            return value;
        using (var info = value.GetTensorMemoryInfo())
        {
            if (info.GetDeviceType() == OrtMemoryInfoDeviceType.CPU && !_alwaysCopy)
                return value;
        }
        copied = true;
        return _copier.Copy(value, OrtMemoryInfo.DefaultInstance);
    }

    /// <summary>
    /// Runs <paramref name="session"/>: the first <paramref name="hostOutputs"/> outputs (logits,
    /// which the caller reads) come to the host, the others stay in this location. Outputs come back
    /// in the order asked for. In host memory this is a plain run (ONNX Runtime puts a CPU session's
    /// outputs there anyway, and binding each of a model's many cache tensors costs a little per step).
    /// </summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, RunOptions options,
        IReadOnlyList<string> inputNames, IReadOnlyList<OrtValue> inputs, IReadOnlyList<string> outputNames, int hostOutputs = 1) =>
        OnDevice
            ? RunBound(session, options, inputNames, inputs, outputNames, hostOutputs)
            : session.Run(options, inputNames, inputs, outputNames);

    /// <summary><see cref="Run"/> through an IO binding, each output bound to the host or to <see cref="Memory"/>.</summary>
    internal IDisposableReadOnlyCollection<OrtValue> RunBound(InferenceSession session, RunOptions options,
        IReadOnlyList<string> inputNames, IReadOnlyList<OrtValue> inputs, IReadOnlyList<string> outputNames, int hostOutputs)
    {
        using var binding = session.CreateIoBinding();
        for (var i = 0; i < inputNames.Count; i++)
            binding.BindInput(inputNames[i], inputs[i]);
        for (var i = 0; i < outputNames.Count; i++)
            binding.BindOutputToDevice(outputNames[i], i < hostOutputs ? OrtMemoryInfo.DefaultInstance : Memory);
        session.RunWithBinding(options, binding);
        return binding.GetOutputValues();
    }
}
