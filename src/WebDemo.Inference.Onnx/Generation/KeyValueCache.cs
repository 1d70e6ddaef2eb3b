using Microsoft.ML.OnnxRuntime;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>What both model layouts do with their key/value cache tensors outside ONNX Runtime.</summary>
internal static class KeyValueCache
{
    /// <summary>
    /// For beam search: a copy of a cache tensor ([rows, …]) whose row i is row <c>sources[i]</c> of
    /// <paramref name="value"/>. Bytes are copied, so any element type (float32, float16) works.
    /// </summary>
    public static OrtValue CopyRows(OrtValue value, int rows, ReadOnlySpan<int> sources)
    {
        var info = value.GetTensorTypeAndShape();
        var copy = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, info.ElementDataType, info.Shape);
        var data = value.GetTensorMutableRawData();
        var target = copy.GetTensorMutableRawData();
        var rowBytes = data.Length / rows;
        for (var row = 0; row < sources.Length; row++)
            data.Slice(sources[row] * rowBytes, rowBytes).CopyTo(target.Slice(row * rowBytes, rowBytes));
        return copy;
    }
}
