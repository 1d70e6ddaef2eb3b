using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>Reads a model's float output whatever the export's precision: float32, float16 (fp16 exports) or double.</summary>
internal static class FloatOutputs
{
    /// <summary>The output's values as float32, in a new array.</summary>
    public static float[] ToFloats(OrtValue value) => value.GetTensorTypeAndShape().ElementDataType switch
    {
        TensorElementType.Float16 => [.. value.GetTensorDataAsSpan<Float16>().ToArray().Select(h => (float)h)],
        TensorElementType.Double => [.. value.GetTensorDataAsSpan<double>().ToArray().Select(d => (float)d)],
        _ => value.GetTensorDataAsSpan<float>().ToArray(),
    };
}
