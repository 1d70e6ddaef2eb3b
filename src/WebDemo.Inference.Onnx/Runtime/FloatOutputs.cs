using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>Reads a model's float output whatever the export's precision: float32, float16 (fp16 exports) or double.</summary>
internal static class FloatOutputs
{
    /// <summary>The output's values as float32, in a new array.</summary>
    public static float[] ToFloats(OrtValue value)
    {
        var floats = new float[value.GetTensorTypeAndShape().ElementCount];
        Copy(value, 0, floats);
        return floats;
    }

    /// <summary>Copies <c>target.Length</c> values of the output from <paramref name="start"/> (in elements) into <paramref name="target"/>, as float32.</summary>
    public static void Copy(OrtValue value, int start, Span<float> target)
    {
        switch (value.GetTensorTypeAndShape().ElementDataType)
        {
            case TensorElementType.Float16:
                var half = value.GetTensorDataAsSpan<Float16>().Slice(start, target.Length);
                for (var i = 0; i < target.Length; i++)
                    target[i] = (float)half[i];
                break;
            case TensorElementType.Double:
                var wide = value.GetTensorDataAsSpan<double>().Slice(start, target.Length);
                for (var i = 0; i < target.Length; i++)
                    target[i] = (float)wide[i];
                break;
            default:
                value.GetTensorDataAsSpan<float>().Slice(start, target.Length).CopyTo(target);
                break;
        }
    }
}
