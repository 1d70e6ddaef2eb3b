using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>
/// Copies tensors between host and device memory through ONNX Runtime itself: a one-node
/// <c>Identity</c> graph on the models' execution provider, its input bound where the tensor is and
/// its output bound where the copy is wanted. (ONNX Runtime's <c>OrtEnv.CopyTensors</c> serves only
/// execution providers registered as plugin libraries, not the CUDA provider the sessions append.)
/// </summary>
internal sealed class TensorCopier(Func<SessionOptions> sessionOptions) : IDisposable
{
    private readonly ConcurrentDictionary<TensorElementType, Lazy<InferenceSession>> _graphs = new();
    private readonly RunOptions _runOptions = new();

    /// <summary>A copy of <paramref name="value"/> in <paramref name="to"/>'s memory; the caller disposes it.</summary>
    public OrtValue Copy(OrtValue value, OrtMemoryInfo to)
    {
        var type = value.GetTensorTypeAndShape().ElementDataType;
        var session = _graphs.GetOrAdd(type, t => new Lazy<InferenceSession>(() =>
        {
            using var options = sessionOptions();
            return new InferenceSession(IdentityModel(t), options);
        })).Value;
        using var binding = session.CreateIoBinding();
        binding.BindInput("x", value);
        binding.BindOutputToDevice("y", to);
        session.RunWithBinding(_runOptions, binding);
        var outputs = binding.GetOutputValues();
        return outputs[0]; // the only output: the collection holds nothing else to free
    }

    public void Dispose()
    {
        foreach (var graph in _graphs.Values.Where(g => g.IsValueCreated))
            graph.Value.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>
    /// The ONNX model <c>y = Identity(x)</c> for one element type, any shape, as protobuf bytes
    /// (ModelProto: IR version 8, opset 13; the field numbers are onnx.proto's).
    /// </summary>
    internal static byte[] IdentityModel(TensorElementType type)
    {
        byte[] tensorType = Message(1, Varint(1, (ulong)type)); // a TypeProto: tensor_type { elem_type }, no shape (any)
        byte[] ValueInfo(string name) => [.. Text(1, name), .. Message(2, tensorType)];
        byte[] node = [.. Text(1, "x"), .. Text(2, "y"), .. Text(4, "Identity")];
        byte[] graph = [.. Message(1, node), .. Text(2, "copy"), .. Message(11, ValueInfo("x")), .. Message(12, ValueInfo("y"))];
        return [.. Varint(1, 8), .. Message(7, graph), .. Message(8, Varint(2, 13))];
    }

    private static byte[] Varint(int field, ulong value) => [.. Key(field, 0), .. VarintBytes(value)];

    private static byte[] Text(int field, string text) => Message(field, System.Text.Encoding.UTF8.GetBytes(text));

    private static byte[] Message(int field, byte[] body) => [.. Key(field, 2), .. VarintBytes((ulong)body.Length), .. body];

    private static byte[] Key(int field, int wireType) => VarintBytes((ulong)(field << 3 | wireType));

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var low = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? low : (byte)(low | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
