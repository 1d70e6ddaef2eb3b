using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Generation;

/// <summary>
/// Concurrent T5 requests that start together run as one batch on the tiny random T5: each gets
/// the ids transformers.js generated for it alone (tests/models/t5-tiny-random/reference.json),
/// whatever the other rows' lengths, when some end early or are cancelled.
/// </summary>
public sealed class EncoderDecoderBatcherTests(EncoderDecoderGenerationTests.TinyT5Sessions sessions)
    : IClassFixture<EncoderDecoderGenerationTests.TinyT5Sessions>
{
    private static readonly GenerationTokens Tokens = new(0, new HashSet<int> { 1 });
    private static readonly GenerationSettings Greedy = new() { MaxNewTokens = 20 };
    private readonly EncoderDecoderGraphs _graphs = new(sessions.Encoder, sessions.Merged, null);

    private static (int[] Input, List<int> Expected) Case(string name)
    {
        var (input, expected, _) = TinyT5Reference.Generation(name);
        return (input, expected);
    }

    private static List<int> Generate(IDecoderState state, CancellationToken cancellationToken = default, int cancelAfter = 0, CancellationTokenSource? cancel = null)
    {
        using (state)
        {
            var ids = new List<int>();
            try
            {
                foreach (var step in TokenGenerator.Generate(state, Greedy, Tokens, cancellationToken))
                {
                    ids.Add(step.Token!.Value);
                    if (ids.Count == cancelAfter)
                        cancel!.Cancel();
                }
            }
            catch (OperationCanceledException)
            {
            }
            return ids;
        }
    }

    /// <summary>Starts a request per input on threads of their own while starts are held, so that they form one cohort.</summary>
    private static async Task<List<int>[]> StartTogetherAsync(EncoderDecoderBatcher batcher, IReadOnlyList<int[]> inputs, Func<int, IDecoderState, List<int>>? generate = null)
    {
        Task<List<int>>[] runs;
        using (batcher.HoldStarts())
        {
            runs = [.. inputs.Select((input, i) => Task.Factory.StartNew(() => (generate ?? ((_, s) => Generate(s)))(i, batcher.Open(input)),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (batcher.Arriving < inputs.Count && waited.Elapsed < TimeSpan.FromSeconds(30))
                await Task.Delay(5);
        }
        return await Task.WhenAll(runs);
    }

    [Fact]
    public async Task Requests_started_together_run_as_one_batch_and_get_the_ids_they_get_alone()
    {
        // 43, 512, 16 and 10 input tokens; two of them end early (after 5 and 4 ids), two run to 20.
        string[] names = ["translate_fr_accents", "long_truncated", "sentinels", "unicode"];
        var cases = names.Select(Case).ToList();
        var batcher = new EncoderDecoderBatcher(_graphs, 0, 512, maxBatch: 4);

        var generated = await StartTogetherAsync(batcher, [.. cases.Select(c => c.Input)]);

        for (var i = 0; i < names.Length; i++)
            Assert.Equal(cases[i].Expected, generated[i]);
        Assert.Equal((4, 0), batcher.Counts); // one cohort of four, its state freed when the last left
    }

    [Fact]
    public async Task A_lone_request_checks_guesses_in_one_run_and_a_cohort_steps_one_token_a_row()
    {
        string[] names = ["translate_fr_accents", "long_truncated", "sentinels", "unicode"];
        var cases = names.Select(Case).ToList();
        var batcher = new EncoderDecoderBatcher(_graphs, 0, 512, maxBatch: 4);
        var guessing = Greedy with { PromptLookupTokens = 8 };
        List<int> Run(int i, IDecoderState state, int[] guessed)
        {
            using (state)
            {
                var steps = TokenGenerator.Generate(state, guessing, Tokens with { EncoderInput = cases[i].Input }, default).ToList();
                guessed[i] = steps.Count(s => s.Guessed);
                return [.. steps.Select(s => s.Token!.Value)];
            }
        }

        var aloneGuessed = new int[names.Length];
        var alone = names.Select((_, i) => Run(i, batcher.Open(cases[i].Input), aloneGuessed)).ToList();
        var togetherGuessed = new int[names.Length];
        var together = await StartTogetherAsync(batcher, [.. cases.Select(c => c.Input)], (i, state) => Run(i, state, togetherGuessed));

        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(cases[i].Expected, alone[i]);
            Assert.Equal(cases[i].Expected, together[i]);
        }
        Assert.True(aloneGuessed.Sum() > 0, "no guess was confirmed");
        Assert.Equal(0, togetherGuessed.Sum()); // four rows in lockstep: no guessing
        Assert.Equal((4, 0), batcher.Counts);
    }

    [Fact]
    public async Task More_requests_than_a_batch_take_the_next_cohort()
    {
        string[] names = ["summarize_short", "translate_de", "translate_ro", "empty", "prefix_only"];
        var cases = names.Select(Case).ToList();
        var batcher = new EncoderDecoderBatcher(_graphs, 0, 512, maxBatch: 2);

        var generated = await StartTogetherAsync(batcher, [.. cases.Select(c => c.Input)]);

        for (var i = 0; i < names.Length; i++)
            Assert.Equal(cases[i].Expected, generated[i]);
        Assert.Equal((2, 0), batcher.Counts);
    }

    [Fact]
    public async Task A_cancelled_request_leaves_and_the_others_go_on()
    {
        string[] names = ["summarize_short", "digits_accents", "translate_ro"];
        var cases = names.Select(Case).ToList();
        var batcher = new EncoderDecoderBatcher(_graphs, 0, 512, maxBatch: 4);

        var generated = await StartTogetherAsync(batcher, [.. cases.Select(c => c.Input)], (i, state) =>
        {
            using var cancel = new CancellationTokenSource();
            return i == 1 ? Generate(state, cancel.Token, cancelAfter: 3, cancel) : Generate(state);
        });

        Assert.Equal(cases[0].Expected, generated[0]);
        Assert.Equal(cases[1].Expected.Take(3), generated[1]);
        Assert.Equal(cases[2].Expected, generated[2]);
        Assert.Equal((3, 0), batcher.Counts);
    }

    [Fact]
    public async Task A_request_that_fails_the_batched_start_does_not_fail_the_others()
    {
        var (first, firstExpected) = Case("summarize_short");
        var (third, thirdExpected) = Case("unicode");
        int[] outOfVocabulary = [5, 100_000, 1]; // no such token: the encoder's embedding lookup fails
        var batcher = new EncoderDecoderBatcher(_graphs, 0, 512, maxBatch: 4);
        var failures = new Exception?[3];

        var generated = await StartTogetherAsync(batcher, [first, outOfVocabulary, third], (i, state) =>
        {
            try
            {
                return Generate(state);
            }
            catch (InferenceException ex)
            {
                failures[i] = ex;
                return [];
            }
        });

        Assert.Equal(firstExpected, generated[0]);
        Assert.Equal(thirdExpected, generated[2]);
        Assert.Null(failures[0]);
        Assert.IsType<InferenceException>(failures[1]);
        Assert.Null(failures[2]);
        Assert.Equal((1, 0), batcher.Counts); // started again one by one
    }

    [Fact]
    public void A_batch_of_inputs_takes_no_beams()
    {
        using var state = new EncoderDecoderState(_graphs, [Case("unicode").Input, Case("empty").Input], 0, 512);
        state.Start(rows: 2);

        Assert.Throws<NotSupportedException>(() => state.Reorder([1, 0]));
    }

    [Fact]
    public void A_lone_request_runs_at_once_as_a_batch_of_one()
    {
        var (input, expected) = Case("digits_accents");
        var batcher = new EncoderDecoderBatcher(_graphs, 0, 512, maxBatch: 4);

        Assert.Equal(expected, Generate(batcher.Open(input)));
        Assert.Equal((1, 0), batcher.Counts);
    }
}
