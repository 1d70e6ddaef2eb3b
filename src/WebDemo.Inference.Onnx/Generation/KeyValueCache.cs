using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using WebDemo.Inference.Onnx.Runtime;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>What both model layouts do with their key/value cache tensors (and their logits) outside ONNX Runtime.</summary>
internal static class KeyValueCache
{
    /// <summary>
    /// For beam search: a host copy of a cache tensor ([rows, …]), wherever <paramref name="location"/>
    /// keeps it, whose row i is row <c>sources[i]</c> of <paramref name="value"/>.
    /// </summary>
    public static OrtValue CopyRows(CacheLocation location, OrtValue value, int rows, ReadOnlySpan<int> sources)
    {
        var onHost = location.ToHost(value, out var copied);
        try
        {
            return CopyRows(onHost, rows, sources);
        }
        finally
        {
            if (copied)
                onHost.Dispose();
        }
    }

    /// <summary>
    /// A copy of a cache tensor ([rows, …], host memory) whose row i is row <c>sources[i]</c> of
    /// <paramref name="value"/>. Bytes are copied, so any element type (float32, float16) works.
    /// </summary>
    private static OrtValue CopyRows(OrtValue value, int rows, ReadOnlySpan<int> sources)
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

    /// <summary>An empty past (no positions yet) of the cache's element type, for a graph's first step.</summary>
    public static OrtValue Empty(TensorElementType type, long[] shape) => type == TensorElementType.Float16
        ? OrtValue.CreateTensorValueFromMemory(Array.Empty<Float16>(), shape)
        : OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), shape);

    /// <summary>
    /// Copies the last position's logits of each row ([rows, positions, vocab], float32 or float16,
    /// in host memory) into <paramref name="target"/>, row after row.
    /// </summary>
    public static void CopyLastLogits(OrtValue logits, int rows, int vocabSize, float[] target)
    {
        var positions = (int)logits.GetTensorTypeAndShape().Shape[1];
        for (var row = 0; row < rows; row++)
            FloatOutputs.Copy(logits, (row * positions + positions - 1) * vocabSize, target.AsSpan(row * vocabSize, vocabSize));
    }

    /// <summary>
    /// Host copies of the named cache tensors ([rows, heads, positions, head size]), wherever
    /// <paramref name="location"/> keeps them, without their last <paramref name="forget"/> positions:
    /// the cache before tokens that are to be forgotten (wrong guesses of <see cref="PromptLookup"/>).
    /// The caller owns the copies; on failure none is left behind.
    /// </summary>
    public static Dictionary<string, OrtValue> WithoutLastPositions(CacheLocation location, IReadOnlyDictionary<string, OrtValue> past, IEnumerable<string> names, int forget)
    {
        var copies = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        try
        {
            foreach (var name in names)
                copies[name] = FirstPositions(location, past[name], forget);
            return copies;
        }
        catch
        {
            foreach (var copy in copies.Values)
                copy.Dispose();
            throw;
        }
    }

    private static OrtValue FirstPositions(CacheLocation location, OrtValue value, int forget)
    {
        var onHost = location.ToHost(value, out var copied);
        try
        {
            var info = onHost.GetTensorTypeAndShape();
            var shape = info.Shape.ToArray();
            shape[2] -= forget;
            var copy = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, info.ElementDataType, shape);
            for (var row = 0; row < shape[0]; row++)
                CopyPositions(onHost, row, 0, copy, row, 0, (int)shape[2]);
            return copy;
        }
        finally
        {
            if (copied)
                onHost.Dispose();
        }
    }

    /// <summary>
    /// Copies every position's logits of a one-row output ([1, positions, vocab], host memory) into
    /// <paramref name="target"/>, which has a block per token fed. A graph that gives the last
    /// position's logits only (some exports keep just those) cannot check several tokens at once.
    /// </summary>
    public static void CopyAllLogits(OrtValue logits, float[] target)
    {
        if (logits.GetTensorTypeAndShape().ElementCount != target.Length)
            throw new NotSupportedException("The graph's logits are not one block per token fed (it keeps the last position's only).");
        FloatOutputs.Copy(logits, 0, target);
    }

    /// <summary>A tensor ([1, …], host memory, any element type) repeated <paramref name="rows"/> times along its first dimension.</summary>
    public static OrtValue Tile(OrtValue value, int rows)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape.ToArray();
        shape[0] = rows;
        var tiled = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, info.ElementDataType, shape);
        var source = value.GetTensorMutableRawData();
        var target = tiled.GetTensorMutableRawData();
        for (var row = 0; row < rows; row++)
            source.CopyTo(target.Slice(row * source.Length, source.Length));
        return tiled;
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
