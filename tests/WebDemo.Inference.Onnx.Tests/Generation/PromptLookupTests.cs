using Microsoft.ML.OnnxRuntime.Tensors;
using WebDemo.Inference.Onnx.Generation;

namespace WebDemo.Inference.Onnx.Tests.Generation;

/// <summary>
/// Prompt lookup decoding: what is guessed (<see cref="PromptLookup"/>), that greedy decoding with
/// guesses gives exactly the tokens it gives without them (<see cref="TokenGenerator"/> on a table
/// model that checks several tokens a run), and the probe that decides whether a graph may be fed
/// several tokens at all (<see cref="SeveralTokensProbe"/>).
/// </summary>
public class PromptLookupTests
{
    [Fact]
    public void The_guess_is_what_followed_the_last_tokens_in_the_source()
    {
        var lookup = new PromptLookup(source: [10, 11, 12, 13, 14, 15], mostGuesses: 8);

        // [0, 11, 12]: the last three occur nowhere, the last two in the source.
        Assert.Equal([13, 14, 15], lookup.Guess([0, 11, 12], limit: 3));
    }

    [Fact]
    public void The_latest_occurrence_wins_and_a_loop_is_guessed_to_go_on()
    {
        var lookup = new PromptLookup(source: [], mostGuesses: 8);

        Assert.Equal([8, 9, 8, 9], lookup.Guess([7, 8, 9, 8, 9], limit: 8)); // four guesses to start with
        Assert.Equal([5, 5, 5, 5], lookup.Guess([1, 2, 5, 5, 5], limit: 8));
        Assert.Equal([4], lookup.Guess([3, 4, 1, 3, 4, 2, 3], limit: 1)); // 3 was last followed by 4
    }

    [Fact]
    public void Nothing_is_guessed_when_the_last_token_never_occurred_before()
    {
        var lookup = new PromptLookup(source: [1, 2, 3], mostGuesses: 8);

        Assert.Empty(lookup.Guess([4, 5, 6], limit: 8));
        Assert.Empty(lookup.Guess([1, 2], limit: 0));
    }

    [Fact]
    public void Guesses_grow_after_right_ones_and_shrink_after_wrong_ones_within_the_bounds()
    {
        var lookup = new PromptLookup(source: [], mostGuesses: 7);
        int[] loop = [5, 5];

        Assert.Equal(4, lookup.Guess(loop, 100).Length);
        lookup.Checked(4, 4);
        Assert.Equal(6, lookup.Guess(loop, 100).Length);
        lookup.Checked(6, 6);
        Assert.Equal(7, lookup.Guess(loop, 100).Length);
        lookup.Checked(7, 3);
        Assert.Equal(6, lookup.Guess(loop, 100).Length); // some right: no pause
    }

    [Fact]
    public void After_guesses_that_were_all_wrong_it_pauses_for_longer_each_time_until_one_is_right()
    {
        var lookup = new PromptLookup(source: [], mostGuesses: 8);
        int[] loop = [5, 5];
        int Pause()
        {
            var steps = 0;
            while (lookup.Guess(loop, 100).Length == 0)
                steps++;
            return steps;
        }

        lookup.Guess(loop, 100);
        var pauses = new List<int>();
        for (var i = 0; i < 7; i++)
        {
            lookup.Checked(1, 0);
            pauses.Add(Pause());
        }
        lookup.Checked(1, 1);

        Assert.Equal([1, 2, 4, 8, 16, 16, 16], pauses);
        Assert.Equal(0, Pause()); // a right guess ends the pauses
        Assert.Equal(3, lookup.Guess(loop, 100).Length); // wrong guesses shrank the guess to one token, the right one grew it by two
    }

    /// <summary>A model whose next token depends on the last token fed (a table), and that can check several tokens in one run.</summary>
    private sealed class LoopingModel(Func<int, float[]> next, int vocab, int lastPromptToken, bool takesSeveral = true) : IDecoderState
    {
        public int VocabSize => vocab;
        public int Runs { get; private set; }
        public List<int> Kept { get; } = [];
        public List<int> Fed { get; } = [];

        public float[] Start(int rows) => next(lastPromptToken);

        public float[] Next(ReadOnlySpan<int> tokens)
        {
            Runs++;
            Fed.Add(1);
            return next(tokens[0]);
        }

        public float[]? TryNextSeveral(ReadOnlySpan<int> tokens)
        {
            if (!takesSeveral)
                return null;
            Runs++;
            Fed.Add(tokens.Length);
            return [.. tokens.ToArray().SelectMany(next)];
        }

        public void KeepFed(int count) => Kept.Add(count);

        public void Reorder(ReadOnlySpan<int> sources) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    private const int Vocab = 12;

    /// <summary>Scores that make <paramref name="best"/> the clear choice, <paramref name="second"/> the next best.</summary>
    private static float[] Prefer(int best, int second)
    {
        var row = new float[Vocab];
        row[best] = 3;
        row[second] = 2;
        return row;
    }

    // 2 → 3 → 4 → 2 …: a loop of three, with 5 always second best.
    private static float[] Loop(int last) => Prefer(last is 2 ? 3 : last is 3 ? 4 : 2, 5);

    private static (List<int> Ids, List<GenerationStep> Steps) Run(IDecoderState model, GenerationSettings settings, IReadOnlyList<int> prompt)
    {
        var steps = TokenGenerator.Generate(model, settings, new GenerationTokens(0, new HashSet<int> { 1 }, prompt), default).ToList();
        return (steps.Select(s => s.Token!.Value).ToList(), steps);
    }

    [Fact]
    public void Greedy_with_guesses_gives_the_same_tokens_in_fewer_runs()
    {
        var settings = new GenerationSettings { MaxNewTokens = 30 };
        var plain = new LoopingModel(Loop, Vocab, lastPromptToken: 9);
        var guessing = new LoopingModel(Loop, Vocab, lastPromptToken: 9);

        var (expected, _) = Run(plain, settings, [9]);
        var (ids, steps) = Run(guessing, settings with { PromptLookupTokens = 8 }, [9]);

        Assert.Equal(expected, ids);
        Assert.Equal(30, ids.Count);
        Assert.Equal(29, plain.Runs);
        Assert.InRange(guessing.Runs, 1, 10);
        // Each run gives one token of its own (a wrong guess's replacement, or the one after the last right guess).
        Assert.Equal(ids.Count - 1 - guessing.Runs, steps.Count(s => s.Guessed));
    }

    [Fact]
    public void Wrong_guesses_are_dropped_from_the_cache_and_the_tokens_stay_greedy()
    {
        // The prompt says 3 was followed by 7, but the model continues 3 with 4: the guess after every 3 is wrong.
        int[] prompt = [3, 7, 8, 2];
        var settings = new GenerationSettings { MaxNewTokens = 12 };
        var guessing = new LoopingModel(Loop, Vocab, lastPromptToken: 2);

        var (ids, steps) = Run(guessing, settings with { PromptLookupTokens = 8 }, prompt);

        Assert.Equal(Run(new LoopingModel(Loop, Vocab, lastPromptToken: 2), settings, prompt).Ids, ids);
        Assert.Equal([3, 4, 2, 3, 4, 2, 3, 4, 2, 3, 4, 2], ids);
        // The first guess after 3 was the prompt's "7 8 2 3" (four to start with): wrong at once, so only the token fed before it stays.
        Assert.Equal(5, guessing.Fed[0]);
        Assert.Equal(1, guessing.Kept[0]);
        Assert.Contains(steps, s => s.Guessed); // then the loop itself is found and guessed right
    }

    [Fact]
    public void Penalties_see_every_guessed_token_as_if_chosen_one_by_one()
    {
        // A repetition penalty turns the loop's best token down once it was seen: both paths must apply it alike.
        var settings = new GenerationSettings { MaxNewTokens = 25, RepetitionPenalty = 1.6, NoRepeatNgramSize = 3 };

        var expected = Run(new LoopingModel(Loop, Vocab, lastPromptToken: 9), settings, [9]).Ids;
        var ids = Run(new LoopingModel(Loop, Vocab, lastPromptToken: 9), settings with { PromptLookupTokens = 8 }, [9]).Ids;

        Assert.Equal(expected, ids);
    }

    [Fact]
    public void Sampling_never_guesses_and_a_state_that_cannot_check_several_is_fed_one_token()
    {
        var sampled = new LoopingModel(Loop, Vocab, lastPromptToken: 9);
        var refusing = new LoopingModel(Loop, Vocab, lastPromptToken: 9, takesSeveral: false);

        Run(sampled, new GenerationSettings { MaxNewTokens = 20, DoSample = true, Seed = 1, PromptLookupTokens = 8 }, [9]);
        var (ids, steps) = Run(refusing, new GenerationSettings { MaxNewTokens = 20, PromptLookupTokens = 8 }, [9]);

        Assert.All(sampled.Fed, f => Assert.Equal(1, f));
        Assert.Equal(19, refusing.Runs);
        Assert.Equal(20, ids.Count);
        Assert.DoesNotContain(steps, s => s.Guessed);
    }

    [Fact]
    public void The_probe_accepts_a_graph_only_when_several_tokens_give_the_logits_of_one_at_a_time_and_runs_once()
    {
        static IDecoderState Open() => new LoopingModel(Loop, Vocab, lastPromptToken: 9);
        var right = new SeveralTokensProbe();
        var wrong = new SeveralTokensProbe();
        var calls = 0;

        Assert.True(right.Get(Open, (state, tokens) => { calls++; return state.TryNextSeveral(tokens)!; }, TensorElementType.Float));
        Assert.True(right.Get(Open, (_, _) => throw new InvalidOperationException("asked twice"), TensorElementType.Float));
        Assert.Equal(1, calls);
        Assert.False(wrong.Get(Open, (state, tokens) => [.. state.TryNextSeveral(tokens)!.Select((v, i) => i >= Vocab ? v + 0.5f : v)], TensorElementType.Float));
        // A run that fails (ONNX Runtime refuses it, or its logits hold the last position only): refused, not thrown at every request.
        var throwing = new SeveralTokensProbe();
        Assert.False(throwing.Get(Open, (_, _) => throw new NotSupportedException("The graph's logits are not one block per token fed."), TensorElementType.Float));
        Assert.False(throwing.Get(Open, (_, _) => throw new InvalidOperationException("asked twice"), TensorElementType.Float));
    }
}
