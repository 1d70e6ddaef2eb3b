using Microsoft.ML.OnnxRuntime.Tensors;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// Finds out once per graph whether it reads several new tokens after a cache as it reads them one
/// at a time (see <see cref="IDecoderState.TryNextSeveral"/>): a fresh state is fed three tokens one
/// by one, another the same three in one run, and each position's logits are compared. A graph that
/// refuses the run (its new-token length declared as 1), gives logits for the last position only, or
/// answers otherwise (a causal mask fixed at one token when it was traced) is never fed several tokens.
/// </summary>
internal sealed class SeveralTokensProbe
{
    private static readonly int[] Tokens = [1, 2, 3];

    private readonly object _gate = new();
    private bool? _result;

    /// <param name="open">A new state of the graph, not started.</param>
    /// <param name="feedSeveral">Feeds tokens in one run, without asking this probe.</param>
    /// <param name="cacheType">The cache's element type: float16 graphs get a looser tolerance.</param>
    public bool Get(Func<IDecoderState> open, Func<IDecoderState, int[], float[]> feedSeveral, TensorElementType cacheType)
    {
        lock (_gate)
            return _result ??= Probe(open, feedSeveral, cacheType == TensorElementType.Float16 ? 2e-2f : 1e-3f);
    }

    private static bool Probe(Func<IDecoderState> open, Func<IDecoderState, int[], float[]> feedSeveral, float tolerance)
    {
        using var oneByOne = open();
        oneByOne.Start(rows: 1);
        var vocab = oneByOne.VocabSize;
        var expected = new float[Tokens.Length * vocab];
        for (var i = 0; i < Tokens.Length; i++)
            oneByOne.Next([Tokens[i] % vocab]).AsSpan(0, vocab).CopyTo(expected.AsSpan(i * vocab));

        using var together = open();
        together.Start(rows: 1);
        float[] actual;
        try
        {
            actual = feedSeveral(together, [.. Tokens.Select(t => t % vocab)]);
        }
#pragma warning disable CA1031 // Guessing is only a speed-up: a graph that fails this run in any way is fed one token at a time.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false; // the graph declares one new token (ONNX Runtime refuses), or gives logits for the last position only
        }
        var scale = Math.Max(1f, expected.Max(Math.Abs));
        for (var i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance * scale))
                return false;
        }
        return true;
    }
}
