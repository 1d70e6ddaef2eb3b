namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// Beam search as transformers' BeamSearchScorer does it, for one input: keep the num_beams best
/// running sequences by summed log-probability; a sequence that ends is scored
/// sum / length^length_penalty and kept among the num_beams best finished ones; stop when
/// enough have finished and no running beam can beat them (or at once, with early_stopping).
/// </summary>
internal static class BeamSearch
{
    private sealed record Hypothesis(IReadOnlyList<int> Tokens, double Score);

    public static IEnumerable<GenerationStep> Run(IDecoderState model, GenerationSettings settings, GenerationTokens tokens, CancellationToken cancellationToken)
    {
        var beams = settings.NumBeams;
        var vocab = model.VocabSize;
        var processors = LogitsProcessorList.For(settings, tokens, promptLength: tokens.Prefix.Count);
        var sequences = Enumerable.Range(0, beams).Select(_ => new List<int>(tokens.Prefix)).ToList();
        // All beams start equal: only the first may expand at the first step, or the beams would be copies.
        var beamScores = Enumerable.Range(0, beams).Select(b => b == 0 ? 0.0 : -1e9).ToArray();
        var finished = new List<Hypothesis>();
        var keep = Math.Max(2, 1 + tokens.EosIds.Count) * beams;

        cancellationToken.ThrowIfCancellationRequested();
        var logits = model.Start(beams);
        for (var step = 0; step < settings.MaxNewTokens; step++)
        {
            var candidates = new List<(double Score, int Beam, int Token)>(beams * vocab);
            for (var b = 0; b < beams; b++)
            {
                var scores = logits.AsSpan(b * vocab, vocab);
                Softmax.LogInPlace(scores);
                foreach (var processor in processors)
                    processor.Process(sequences[b], scores);
                for (var t = 0; t < vocab; t++)
                {
                    if (!float.IsNegativeInfinity(scores[t]))
                        candidates.Add((beamScores[b] + scores[t], b, t));
                }
            }
            var ranked = candidates.OrderByDescending(c => c.Score).Take(keep).ToList();

            var next = new List<(double Score, int Beam, int Token)>(beams);
            for (var rank = 0; rank < ranked.Count && next.Count < beams; rank++)
            {
                var (score, beam, token) = ranked[rank];
                if (tokens.EosIds.Contains(token))
                {
                    // An end token counts only if it ranks among the best num_beams candidates.
                    if (rank < beams)
                        AddFinished(finished, beams, new Hypothesis(sequences[beam].ToList(), score / Math.Pow(step + 1, settings.LengthPenalty)));
                    continue;
                }
                next.Add((score, beam, token));
            }

            var curLength = step + 1;
            var done = finished.Count >= beams && (settings.EarlyStopping
                || next.Count == 0
                || next.Max(n => n.Score) / Math.Pow(curLength, settings.LengthPenalty) <= finished.Min(h => h.Score));
            if (next.Count < beams || done || step + 1 == settings.MaxNewTokens)
            {
                if (!done)
                {
                    // Out of room: the running beams finish as they are.
                    foreach (var (score, beam, token) in next)
                        AddFinished(finished, beams, new Hypothesis([.. sequences[beam], token], score / Math.Pow(curLength, settings.LengthPenalty)));
                }
                break;
            }

            sequences = next.Select(n => new List<int>(sequences[n.Beam]) { n.Token }).ToList();
            beamScores = next.Select(n => n.Score).ToArray();
            yield return new GenerationStep(null, curLength);
            cancellationToken.ThrowIfCancellationRequested();
            model.Reorder(next.Select(n => n.Beam).ToArray());
            logits = model.Next(next.Select(n => n.Token).ToArray());
        }

        var best = finished.OrderByDescending(h => h.Score).First();
        yield return new GenerationStep(null, best.Tokens.Count - tokens.Prefix.Count, best.Tokens.Skip(tokens.Prefix.Count).ToList());
    }

    private static void AddFinished(List<Hypothesis> finished, int beams, Hypothesis hypothesis)
    {
        if (finished.Count < beams)
        {
            finished.Add(hypothesis);
            return;
        }
        var worst = finished.MinBy(h => h.Score)!;
        if (hypothesis.Score > worst.Score)
        {
            finished.Remove(worst);
            finished.Add(hypothesis);
        }
    }
}
