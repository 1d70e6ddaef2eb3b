namespace WebDemo.Inference.Onnx.Batching;

/// <summary>
/// Which waiting texts run together. The oldest waiting text always runs in the next batch (so
/// nothing waits forever), joined by the waiting texts whose lengths are nearest to its own, as
/// long as the batch stays within the size limit and padding to its longest text stays within
/// the padding limit. On a CPU a batch costs about (texts × longest length), so a text twice as
/// long as the others costs as much as the ones it pads; grouping by length keeps that waste small.
/// </summary>
internal static class BatchSelection
{
    /// <param name="lengths">Token lengths of the waiting texts, oldest first.</param>
    /// <param name="maxBatchSize">The most texts in one batch.</param>
    /// <param name="maxPadding">The most padded tokens per real token: batch × longest ≤ (1 + maxPadding) × Σ lengths.</param>
    /// <returns>Positions in <paramref name="lengths"/> of the texts to run now, shortest first; never empty when lengths is not.</returns>
    public static List<int> Choose(IReadOnlyList<int> lengths, int maxBatchSize, double maxPadding)
    {
        var chosen = new List<int>();
        if (lengths.Count == 0)
            return chosen;
        chosen.Add(0);
        var anchor = lengths[0];
        var longest = anchor;
        long total = anchor;
        if (maxBatchSize <= 1)
            return chosen;

        // Nearest lengths first; among equals, the older text first.
        var candidates = Enumerable.Range(1, lengths.Count - 1)
            .OrderBy(i => Math.Abs(lengths[i] - anchor))
            .ThenBy(i => i);
        foreach (var i in candidates)
        {
            var newLongest = Math.Max(longest, lengths[i]);
            var newTotal = total + lengths[i];
            if ((long)(chosen.Count + 1) * newLongest > (1 + maxPadding) * newTotal)
                continue;
            chosen.Add(i);
            longest = newLongest;
            total = newTotal;
            if (chosen.Count == maxBatchSize)
                break;
        }
        chosen.Sort((a, b) => lengths[a] != lengths[b] ? lengths[a].CompareTo(lengths[b]) : a.CompareTo(b));
        return chosen;
    }
}
