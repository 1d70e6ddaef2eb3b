namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// Changes one row's next-token scores in place, given the tokens of that row so far (the start
/// token included, as in transformers). Small pieces, composed in the order transformers applies
/// them: penalties and bans first, then, when sampling, temperature, top-k and top-p.
/// </summary>
internal interface ILogitsProcessor
{
    void Process(IReadOnlyList<int> tokens, Span<float> scores);
}

/// <summary>CTRL's repetition penalty: a token already present scores lower (divided if positive, multiplied if negative).</summary>
internal sealed class RepetitionPenalty(double penalty) : ILogitsProcessor
{
    public void Process(IReadOnlyList<int> tokens, Span<float> scores)
    {
        foreach (var token in tokens.Distinct())
        {
            var score = scores[token];
            scores[token] = (float)(score < 0 ? score * penalty : score / penalty);
        }
    }
}

/// <summary>Bans every token that would repeat an n-gram the row already holds.</summary>
internal sealed class NoRepeatNgram(int size) : ILogitsProcessor
{
    public void Process(IReadOnlyList<int> tokens, Span<float> scores)
    {
        if (tokens.Count + 1 < size)
            return;
        // The last size-1 tokens; any earlier n-gram that starts with them bans its last token.
        var prefixStart = tokens.Count - (size - 1);
        for (var start = 0; start + size <= tokens.Count; start++)
        {
            var matches = true;
            for (var k = 0; k < size - 1 && matches; k++)
                matches = tokens[start + k] == tokens[prefixStart + k];
            if (matches)
                scores[tokens[start + size - 1]] = float.NegativeInfinity;
        }
    }
}

/// <summary>No end of sequence before <c>minNewTokens</c> tokens are generated.</summary>
internal sealed class MinNewTokens(int minNewTokens, int promptLength, IReadOnlySet<int> eosIds) : ILogitsProcessor
{
    public void Process(IReadOnlyList<int> tokens, Span<float> scores)
    {
        if (tokens.Count - promptLength >= minNewTokens)
            return;
        foreach (var eos in eosIds)
            scores[eos] = float.NegativeInfinity;
    }
}

/// <summary>
/// OpenAI's presence and frequency penalties, over the generated tokens only (not the prompt):
/// score − presence·[count &gt; 0] − frequency·count.
/// </summary>
internal sealed class PresenceAndFrequencyPenalty(double presence, double frequency, int promptLength) : ILogitsProcessor
{
    public void Process(IReadOnlyList<int> tokens, Span<float> scores)
    {
        var counts = new Dictionary<int, int>();
        for (var i = promptLength; i < tokens.Count; i++)
            counts[tokens[i]] = counts.GetValueOrDefault(tokens[i]) + 1;
        foreach (var (token, count) in counts)
            scores[token] -= (float)(presence + frequency * count);
    }
}

internal sealed class Temperature(double temperature) : ILogitsProcessor
{
    public void Process(IReadOnlyList<int> tokens, Span<float> scores)
    {
        for (var i = 0; i < scores.Length; i++)
            scores[i] = (float)(scores[i] / temperature);
    }
}

/// <summary>Keeps the k best scores (ties with the k-th kept too, as transformers does), the rest -inf.</summary>
internal sealed class TopK(int k) : ILogitsProcessor
{
    public void Process(IReadOnlyList<int> tokens, Span<float> scores)
    {
        if (k <= 0 || k >= scores.Length)
            return;
        var sorted = scores.ToArray();
        Array.Sort(sorted);
        var threshold = sorted[^k];
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] < threshold)
                scores[i] = float.NegativeInfinity;
        }
    }
}

/// <summary>Nucleus filtering: keeps the most likely tokens whose probabilities add up to top_p (at least one).</summary>
internal sealed class TopP(double topP) : ILogitsProcessor
{
    public void Process(IReadOnlyList<int> tokens, Span<float> scores)
    {
        if (topP >= 1.0)
            return;
        var probabilities = Softmax.Of(scores);
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => probabilities[i]).ToArray();
        var cumulative = 0.0;
        var keep = 0;
        // Keep tokens until the ones kept reach top_p; the token that crosses it stays in.
        while (keep < order.Length && (keep == 0 || cumulative < topP))
            cumulative += probabilities[order[keep++]];
        for (var i = keep; i < order.Length; i++)
            scores[order[i]] = float.NegativeInfinity;
    }
}

internal static class Softmax
{
    public static double[] Of(ReadOnlySpan<float> scores)
    {
        var max = float.NegativeInfinity;
        foreach (var s in scores)
            max = Math.Max(max, s);
        var result = new double[scores.Length];
        var sum = 0.0;
        for (var i = 0; i < scores.Length; i++)
            sum += result[i] = float.IsNegativeInfinity(scores[i]) ? 0 : Math.Exp(scores[i] - max);
        for (var i = 0; i < result.Length; i++)
            result[i] /= sum;
        return result;
    }

    /// <summary>log(softmax(scores)), in place.</summary>
    public static void LogInPlace(Span<float> scores)
    {
        var max = float.NegativeInfinity;
        foreach (var s in scores)
            max = Math.Max(max, s);
        var sum = 0.0;
        foreach (var s in scores)
            sum += Math.Exp(s - max);
        var log = max + Math.Log(sum);
        for (var i = 0; i < scores.Length; i++)
            scores[i] = (float)(scores[i] - log);
    }
}

internal static class LogitsProcessorList
{
    /// <summary>What transformers' generate() puts in its list for these settings, in its order.</summary>
    public static IReadOnlyList<ILogitsProcessor> For(GenerationSettings settings, GenerationTokens tokens, int promptLength)
    {
        var list = new List<ILogitsProcessor>();
        if (settings.RepetitionPenalty != 1.0)
            list.Add(new RepetitionPenalty(settings.RepetitionPenalty));
        if (settings.NoRepeatNgramSize > 0)
            list.Add(new NoRepeatNgram(settings.NoRepeatNgramSize));
        if (settings.MinNewTokens > 0)
            list.Add(new MinNewTokens(settings.MinNewTokens, promptLength, tokens.EosIds));
        if (settings.PresencePenalty != 0 || settings.FrequencyPenalty != 0)
            list.Add(new PresenceAndFrequencyPenalty(settings.PresencePenalty, settings.FrequencyPenalty, promptLength));
        return list;
    }

    /// <summary>The sampling warpers, applied after the processors.</summary>
    public static IReadOnlyList<ILogitsProcessor> Warpers(GenerationSettings settings)
    {
        var list = new List<ILogitsProcessor>();
        if (!settings.DoSample)
            return list;
        if (settings.Temperature != 1.0)
            list.Add(new Temperature(settings.Temperature));
        if (settings.TopK > 0)
            list.Add(new TopK(settings.TopK));
        if (settings.TopP < 1.0)
            list.Add(new TopP(settings.TopP));
        return list;
    }
}
