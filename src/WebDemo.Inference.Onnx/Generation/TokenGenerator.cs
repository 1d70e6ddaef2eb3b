namespace WebDemo.Inference.Onnx.Generation;

/// <summary>What the generator says as it goes: a new token (greedy and sampling), or how far a beam search is.</summary>
/// <param name="Guessed">The token was a guess of <see cref="PromptLookup"/> that the model confirmed (it took no model run of its own).</param>
internal readonly record struct GenerationStep(int? Token, int Step, IReadOnlyList<int>? Final = null, bool Guessed = false);

/// <summary>
/// The generation loop every autoregressive model shares: start, pick a token per step (greedy,
/// seeded sampling, or beam search), feed it back through the cached decoder, stop at an end
/// token or the token limit. Cancellation is checked between steps, so a stopped request ends
/// within one step. Greedy and sampling yield each token as it is chosen; beam search yields its
/// progress and the winning sequence at the end, as no token is final before then.
/// </summary>
internal static class TokenGenerator
{
    public static IEnumerable<GenerationStep> Generate(IDecoderState model, GenerationSettings settings, GenerationTokens tokens, CancellationToken cancellationToken) =>
        settings.NumBeams > 1
            ? BeamSearch.Run(model, settings, tokens, cancellationToken)
            : OneSequence(model, settings, tokens, cancellationToken);

    private static IEnumerable<GenerationStep> OneSequence(IDecoderState model, GenerationSettings settings, GenerationTokens tokens, CancellationToken cancellationToken)
    {
        var processors = LogitsProcessorList.For(settings, tokens, promptLength: tokens.Prefix.Count);
        var warpers = LogitsProcessorList.Warpers(settings);
        var random = settings.DoSample ? (settings.Seed is { } seed ? new Random(seed) : new Random()) : null;
        var sequence = new List<int>(tokens.Prefix);
        // Guessing ahead keeps exactly the tokens greedy picks; sampling would draw differently.
        var lookup = random is null && settings.PromptLookupTokens > 0 ? new PromptLookup(tokens.Source, settings.PromptLookupTokens) : null;

        cancellationToken.ThrowIfCancellationRequested();
        // logits holds a block per token fed in the last run: one, or the next token and the guesses
        // checked with it. block is the one that predicts the token to choose now.
        var logits = model.Start(rows: 1);
        var block = 0;
        int[] guesses = [];
        for (var step = 0; step < settings.MaxNewTokens; step++)
        {
            var scores = logits.AsSpan(block * model.VocabSize, model.VocabSize);
            foreach (var processor in processors)
                processor.Process(sequence, scores);
            foreach (var warper in warpers)
                warper.Process(sequence, scores);
            var token = random is null ? ArgMax(scores) : Sample(scores, random);
            var guessedRight = block < guesses.Length && token == guesses[block];
            sequence.Add(token);
            if (tokens.EosIds.Contains(token))
                yield break;
            yield return new GenerationStep(token, step + 1, Guessed: guessedRight);
            if (step + 1 == settings.MaxNewTokens)
                yield break;
            cancellationToken.ThrowIfCancellationRequested();
            if (guessedRight)
            {
                block++; // the model read this token in the last run: the next block predicts the one after it
                continue;
            }
            if (guesses.Length > 0)
            {
                // Keep the token fed before the guesses and the guesses that were right; drop the rest.
                model.KeepFed(block + 1);
                lookup!.Checked(guesses.Length, block);
            }
            // Each guess can save a run; the last run may also choose one token more than it guessed.
            var next = lookup?.Guess(sequence, limit: settings.MaxNewTokens - step - 2) ?? [];
            var several = next.Length > 0 ? model.TryNextSeveral([token, .. next]) : null;
            (logits, block, guesses) = several is null ? (model.Next([token]), 0, []) : (several, 0, next);
        }
    }

    /// <summary>The first index of the highest score, as torch's argmax picks.</summary>
    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
                best = i;
        }
        return best;
    }

    private static int Sample(ReadOnlySpan<float> scores, Random random)
    {
        var probabilities = Softmax.Of(scores);
        var draw = random.NextDouble();
        var cumulative = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            cumulative += probabilities[i];
            if (draw < cumulative)
                return i;
        }
        return ArgMax(scores); // rounding left the draw past the end
    }
}
