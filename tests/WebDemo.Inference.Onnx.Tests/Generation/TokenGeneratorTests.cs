using WebDemo.Inference.Onnx.Generation;

namespace WebDemo.Inference.Onnx.Tests.Generation;

public class TokenGeneratorTests
{
    private const int Start = 0;
    private const int Eos = 1;
    private static readonly GenerationTokens Tokens = new(Start, new HashSet<int> { Eos });

    /// <summary>
    /// A model whose next-token log-probabilities depend only on the last token: a table
    /// row per token. It counts its steps and records how beams were reordered.
    /// </summary>
    private sealed class TableModel(Dictionary<int, float[]> table, int vocab) : IDecoderState
    {
        private int[] _last = [];
        public int VocabSize => vocab;
        public int Steps { get; private set; }
        public List<int[]> Reorders { get; } = [];
        public Action<int>? OnStep { get; init; }

        public float[] Start(int rows)
        {
            _last = Enumerable.Repeat(TokenGeneratorTests.Start, rows).ToArray();
            return Logits();
        }

        public float[] Next(ReadOnlySpan<int> tokens)
        {
            Steps++;
            OnStep?.Invoke(Steps);
            _last = tokens.ToArray();
            return Logits();
        }

        public void Reorder(ReadOnlySpan<int> sources)
        {
            Reorders.Add(sources.ToArray());
            var from = _last;
            _last = sources.ToArray().Select(s => from[s]).ToArray();
        }

        private float[] Logits() => _last.SelectMany(t => table.TryGetValue(t, out var row) ? row : Uniform()).ToArray();

        private float[] Uniform() => Enumerable.Repeat(0f, vocab).ToArray();

        public void Dispose()
        {
        }
    }

    /// <summary>Log-probabilities over 6 tokens with the given probabilities for the listed ones.</summary>
    private static float[] Row(params (int Token, double P)[] probabilities)
    {
        var row = Enumerable.Repeat((float)Math.Log(1e-6), 6).ToArray();
        foreach (var (token, p) in probabilities)
            row[token] = (float)Math.Log(p);
        return row;
    }

    // start → 2 → 3 → 4 → eos, each clearly the best.
    private static TableModel Chain() => new(new()
    {
        [Start] = Row((2, 0.9)),
        [2] = Row((3, 0.9)),
        [3] = Row((4, 0.9)),
        [4] = Row((Eos, 0.9), (5, 0.05)),
        [5] = Row((Eos, 0.9)),
    }, 6);

    private static List<int> Run(IDecoderState model, GenerationSettings settings, CancellationToken cancellationToken = default) =>
        TokenGenerator.Generate(model, settings, Tokens, cancellationToken).SelectMany(s => s.Final ?? (s.Token is { } t ? [t] : [])).ToList();

    [Fact]
    public void Greedy_takes_the_best_token_each_step_and_stops_at_the_end_token_without_yielding_it()
    {
        var model = Chain();

        Assert.Equal([2, 3, 4], Run(model, new GenerationSettings { MaxNewTokens = 10 }));
        Assert.Equal(3, model.Steps); // the cache is fed one token per step
    }

    [Fact]
    public void Max_new_tokens_stops_without_asking_the_model_for_a_step_it_will_not_use()
    {
        var model = Chain();

        Assert.Equal([2, 3], Run(model, new GenerationSettings { MaxNewTokens = 2 }));
        Assert.Equal(1, model.Steps);
    }

    [Fact]
    public void Min_new_tokens_holds_the_end_token_back()
    {
        Assert.Equal([2, 3, 4, 5], Run(Chain(), new GenerationSettings { MaxNewTokens = 10, MinNewTokens = 4 }));
    }

    [Fact]
    public void Repetition_penalty_and_no_repeat_ngram_steer_away_from_loops()
    {
        // 2 → 2 → 2 … unless repeating is discouraged; 3 is the runner-up.
        var loop = new Dictionary<int, float[]> { [Start] = Row((2, 0.9)), [2] = Row((2, 0.6), (3, 0.4)), [3] = Row((Eos, 0.9)) };

        Assert.Equal([2, 2, 2, 2], Run(new TableModel(loop, 6), new GenerationSettings { MaxNewTokens = 4 }));
        Assert.Equal([2, 3], Run(new TableModel(loop, 6), new GenerationSettings { MaxNewTokens = 4, RepetitionPenalty = 2.0 }));
        // With 2-grams unique: (2,2) may appear once.
        Assert.Equal([2, 2, 3], Run(new TableModel(loop, 6), new GenerationSettings { MaxNewTokens = 4, NoRepeatNgramSize = 2 }));
    }

    [Fact]
    public void Seeded_sampling_repeats_itself_and_other_seeds_vary()
    {
        var flat = Enumerable.Range(0, 6).ToDictionary(t => t, _ => Row((2, 0.2), (3, 0.2), (4, 0.2), (5, 0.2), (Eos, 0.01)));
        GenerationSettings Sampling(int seed) => new() { MaxNewTokens = 12, DoSample = true, TopK = 0, Seed = seed };

        var first = Run(new TableModel(flat, 6), Sampling(7));
        Assert.Equal(first, Run(new TableModel(flat, 6), Sampling(7)));
        Assert.Contains(Enumerable.Range(8, 5), seed => !Run(new TableModel(flat, 6), Sampling(seed)).SequenceEqual(first));
    }

    [Fact]
    public void Top_k_of_one_and_greedy_agree_whatever_the_seed()
    {
        foreach (var seed in new[] { 1, 2, 3 })
            Assert.Equal([2, 3, 4], Run(Chain(), new GenerationSettings { MaxNewTokens = 10, DoSample = true, TopK = 1, Seed = seed }));
    }

    [Fact]
    public void Top_p_keeps_only_the_likely_head()
    {
        var scores = new[] { 0f, 2f, 1f, -1f };
        new TopP(0.7).Process([], scores);

        Assert.Equal([float.NegativeInfinity, 2f, 1f, float.NegativeInfinity], scores);
    }

    [Fact]
    public void One_beam_is_greedy()
    {
        var greedy = Run(Chain(), new GenerationSettings { MaxNewTokens = 10 });

        var beam = BeamSearch.Run(Chain(), new GenerationSettings { MaxNewTokens = 10, NumBeams = 1 }, Tokens, default).Last().Final;

        Assert.Equal(greedy, beam);
    }

    [Fact]
    public void Beam_search_finds_the_likelier_sequence_that_greedy_misses()
    {
        // Greedy takes 2 (0.6) then anything (≤0.4); 3 (0.4) then 4 (0.95) is likelier overall.
        var table = new Dictionary<int, float[]>
        {
            [Start] = Row((2, 0.6), (3, 0.4)),
            [2] = Row((4, 0.35), (5, 0.35), (Eos, 0.3)),
            [3] = Row((4, 0.95)),
            [4] = Row((Eos, 0.99)),
            [5] = Row((Eos, 0.99)),
        };
        Assert.Equal(2, Run(new TableModel(table, 6), new GenerationSettings { MaxNewTokens = 5 })[0]);

        var model = new TableModel(table, 6);
        var steps = BeamSearch.Run(model, new GenerationSettings { MaxNewTokens = 5, NumBeams = 2 }, Tokens, default).ToList();

        Assert.Equal([3, 4], steps[^1].Final);
        Assert.All(steps[..^1], s => Assert.Null(s.Token)); // progress only until the end
        Assert.NotEmpty(model.Reorders);
    }

    [Fact]
    public void Cancelling_stops_within_one_step()
    {
        using var cancel = new CancellationTokenSource();
        var endless = Enumerable.Range(0, 6).ToDictionary(t => t, _ => Row((3, 0.9)));
        var model = new TableModel(endless, 6) { OnStep = step => { if (step == 3) cancel.Cancel(); } };

        Assert.Throws<OperationCanceledException>(() => Run(model, new GenerationSettings { MaxNewTokens = 1000 }, cancel.Token));
        Assert.Equal(3, model.Steps);
    }
}
