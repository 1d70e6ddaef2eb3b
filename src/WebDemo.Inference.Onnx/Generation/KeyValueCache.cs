using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

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

    /// <summary>A cache tensor of zeros (padding must be zeros, not whatever memory held: masked positions still enter the sums, times 0).</summary>
    public static OrtValue Zeros(TensorElementType type, long[] shape)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, shape);
        value.GetTensorMutableRawData().Clear();
        return value;
    }

    /// <summary>
    /// Copies <paramref name="count"/> positions of one row of a cache tensor ([rows, heads, positions,
    /// head size]), from position <paramref name="from"/>, into a row of another from position
    /// <paramref name="to"/>, head by head. Bytes are copied, so any element type works.
    /// </summary>
    public static void CopyPositions(OrtValue source, int sourceRow, int from, OrtValue target, int targetRow, int to, int count)
    {
        var sourceShape = source.GetTensorTypeAndShape().Shape;
        var targetShape = target.GetTensorTypeAndShape().Shape;
        var (heads, sourceLength, targetLength) = ((int)sourceShape[1], (int)sourceShape[2], (int)targetShape[2]);
        var sourceData = source.GetTensorMutableRawData();
        var targetData = target.GetTensorMutableRawData();
        var positionBytes = sourceData.Length / ((int)sourceShape[0] * heads * sourceLength); // head size × element size
        for (var head = 0; head < heads; head++)
        {
            var start = ((sourceRow * heads + head) * sourceLength + from) * positionBytes;
            var end = ((targetRow * heads + head) * targetLength + to) * positionBytes;
            sourceData.Slice(start, count * positionBytes).CopyTo(targetData.Slice(end, count * positionBytes));
        }
    }
}
