using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using WebDemo.Inference.Onnx.Runtime;

namespace WebDemo.Inference.Onnx.Diffusion;

/// <summary>
/// One ONNX graph of a diffusion pipeline with its inputs' and outputs' names, dtypes and ranks
/// read from the session, so float32 and float16 exports, int32 and int64 ids, and scalar or
/// per-row timesteps (Optimum's old and new UNet exports) all take the same arrays.
/// </summary>
internal sealed class OnnxGraph(InferenceSession session, string what) : IDisposable
{
    public InferenceSession Session => session;

    public bool HasInput(string name) => session.InputMetadata.ContainsKey(name);

    /// <summary>The input of that name, or the first input when the export names it otherwise.</summary>
    public string Input(string name, int fallbackIndex = 0) => session.InputMetadata.ContainsKey(name)
        ? name
        : session.InputMetadata.Keys.ElementAtOrDefault(fallbackIndex)
            ?? throw new InvalidDataException($"The {what} graph has no input '{name}'.");

    public string Output(string name) => session.OutputMetadata.ContainsKey(name) ? name : session.OutputMetadata.Keys.First();

    public TensorElementType InputType(string name) => session.InputMetadata[name].ElementDataType;

    public int InputRank(string name) => session.InputMetadata[name].Dimensions.Length;

    /// <summary>Float data as the input's dtype (float32 or float16).</summary>
    public OrtValue Floats(string input, float[] data, long[] shape) => InputType(input) switch
    {
        TensorElementType.Float16 => OrtValue.CreateTensorValueFromMemory(data.Select(v => (Float16)v).ToArray(), shape),
        TensorElementType.Double => OrtValue.CreateTensorValueFromMemory(data.Select(v => (double)v).ToArray(), shape),
        _ => OrtValue.CreateTensorValueFromMemory(data, shape),
    };

    /// <summary>A number as the input's dtype: integers truncate, as numpy's astype does.</summary>
    public OrtValue Numbers(string input, double[] values, long[] shape) => InputType(input) switch
    {
        TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(values.Select(v => (long)v).ToArray(), shape),
        TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(values.Select(v => (int)v).ToArray(), shape),
        TensorElementType.Float16 => OrtValue.CreateTensorValueFromMemory(values.Select(v => (Float16)(float)v).ToArray(), shape),
        TensorElementType.Double => OrtValue.CreateTensorValueFromMemory(values.ToArray(), shape),
        _ => OrtValue.CreateTensorValueFromMemory(values.Select(v => (float)v).ToArray(), shape),
    };

    /// <summary>Runs the graph and returns the named output as float32 with its shape.</summary>
    public (float[] Data, long[] Shape) Run(RunOptions options, IReadOnlyDictionary<string, OrtValue> inputs, string output)
    {
        using var outputs = session.Run(options, inputs.Keys.ToArray(), inputs.Values.ToArray(), [output]);
        var value = outputs[0];
        return (FloatOutputs.ToFloats(value), value.GetTensorTypeAndShape().Shape);
    }

    public void Dispose() => session.Dispose();
}
