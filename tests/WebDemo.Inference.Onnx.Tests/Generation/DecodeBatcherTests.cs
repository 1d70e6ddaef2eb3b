using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tests.Tasks.Chat;
using WebDemo.TestSupport;
using Xunit.Abstractions;

namespace WebDemo.Inference.Onnx.Tests.Generation;

/// <summary>
/// Continuous batching of the decode steps on the tiny random Llama: each sequence of a batch gets
/// the ids it gets alone (and logits within float32 rounding: its padded attention sums in another
/// order), whenever it joins, however long its prompt, when others finish early or are cancelled.
/// </summary>
public sealed class DecodeBatcherTests(ITestOutputHelper output) : IDisposable
{
    private const int Vocab = 768;
    // The logits are about ±100, where float32's step is 7.6e-6: a few dozen steps of rounding.
    private const float Tolerance = 2e-4f;
    private static readonly GenerationTokens Eos = new(0, new HashSet<int> { 2 });

    private readonly DecoderOnlyGraph _graph = new(new InferenceSession(Path.Combine(TestPaths.TinyLlamaModelDir, "onnx", "model.onnx")));

    public void Dispose() => _graph.Session.Dispose();

    private static int[] Prompt(string name) => TinyLlamaReference.Generations.Single(g => g.Name == name).InputIds;

    private static GenerationSettings Greedy(int tokens) => new() { MaxNewTokens = tokens, MinNewTokens = tokens };

    /// <summary>Records the logits each step returns, and says how many steps ran.</summary>
    private sealed class Recording(IDecoderState inner, Action<int>? onStep = null) : IDecoderState
    {
        public List<float[]> Logits { get; } = [];

        public int VocabSize => inner.VocabSize;

        public float[] Start(int rows) => Record(inner.Start(rows));

        public float[] Next(ReadOnlySpan<int> tokens) => Record(inner.Next(tokens));

        public void Reorder(ReadOnlySpan<int> sources) => inner.Reorder(sources);

        public void Dispose() => inner.Dispose();

        private float[] Record(float[] logits)
        {
            Logits.Add(logits[..VocabSize]);
            onStep?.Invoke(Logits.Count);
            return logits;
        }
    }

    private sealed record Run(List<int> Ids, List<float[]> Logits, bool Cancelled);

    private static Run Generate(IDecoderState state, GenerationSettings settings, Action<int>? onStep = null, CancellationToken cancellationToken = default)
    {
        using var recording = new Recording(state, onStep);
        var ids = new List<int>();
        try
        {
            foreach (var step in TokenGenerator.Generate(recording, settings, Eos, cancellationToken))
                ids.Add(step.Token!.Value);
        }
        catch (OperationCanceledException)
        {
            return new Run(ids, recording.Logits, true);
        }
        return new Run(ids, recording.Logits, false);
    }

    private Run Alone(int[] prompt, GenerationSettings settings) => Generate(new DecoderOnlyState(_graph, prompt, Vocab), settings);

    /// <summary>The same ids as alone (a cancelled run: the ones it had), and every step's logits within <see cref="Tolerance"/>.</summary>
    private void AssertAsAlone(Run alone, Run batched, string name)
    {
        if (batched.Cancelled)
            Assert.Equal(alone.Ids.Take(batched.Ids.Count), batched.Ids);
        else
            Assert.Equal(alone.Ids, batched.Ids);
        var most = 0f;
        for (var step = 0; step < batched.Logits.Count; step++)
        {
            for (var i = 0; i < Vocab; i++)
                most = Math.Max(most, Math.Abs(alone.Logits[step][i] - batched.Logits[step][i]));
        }
        var largest = batched.Logits.Max(l => l.Max(Math.Abs));
        output.WriteLine($"{name}: {batched.Ids.Count} ids, logits differ by at most {most:E2} (largest |logit| {largest:0.00})");
        Assert.InRange(most, 0f, Tolerance);
    }

    [Fact]
    public async Task Sequences_joining_at_different_times_get_the_ids_they_get_alone()
    {
        // Prompts of 1 to 93 tokens; one finishes early, one is cancelled midway. Each starts after the one
        // before has stepped twice, which then waits for its prompt to have run, so that they overlap.
        (string Name, int Tokens, int CancelAfter)[] runs =
            [("text_7", 24, 0), ("chat_multi_turn", 24, 0), ("text_0", 6, 0), ("text_4", 24, 8), ("chat_system_user", 24, 0)];
        var alone = runs.Select(r => Alone(Prompt(r.Name), Greedy(r.Tokens))).ToList();
        var batcher = new DecodeBatcher(_graph, Vocab, maxBatch: 8);
        var started = runs.Select(_ => new ManualResetEventSlim()).ToArray();
        var prompted = runs.Select(_ => new ManualResetEventSlim()).Append(new ManualResetEventSlim(true)).ToArray();

        var batched = await Task.WhenAll(runs.Select((r, i) => Task.Factory.StartNew(() =>
        {
            if (i > 0)
                started[i - 1].Wait(TimeSpan.FromSeconds(30));
            using var cancel = new CancellationTokenSource();
            return Generate(batcher.Open(Prompt(r.Name)), Greedy(r.Tokens), step =>
            {
                if (step == 1)
                    prompted[i].Set();
                if (step == 2)
                    started[i].Set();
                if (step == 3)
                    prompted[i + 1].Wait(TimeSpan.FromSeconds(30));
                if (step == r.CancelAfter)
                    cancel.Cancel();
            }, cancel.Token);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

        foreach (var signal in started.Concat(prompted))
            signal.Dispose();

        for (var i = 0; i < runs.Length; i++)
            AssertAsAlone(alone[i], batched[i], runs[i].Name);
        Assert.True(batched[3].Cancelled);
        Assert.Equal(8, batched[3].Ids.Count);
        Assert.InRange(batcher.Counts.MostRows, 2, runs.Length);
        Assert.Equal(0, batcher.HeldStates); // every cache released once its sequences left
    }

    [Fact]
    public async Task More_sequences_than_the_batch_takes_turns_and_get_the_ids_they_get_alone()
    {
        string[] names = ["text_0", "text_1", "text_4", "chat_unicode", "text_8"];
        var alone = names.Select(n => Alone(Prompt(n), Greedy(16))).ToList();
        var batcher = new DecodeBatcher(_graph, Vocab, maxBatch: 2);
        using var prompted = new Barrier(names.Length); // all prompts run before the first decode step

        // Threads of their own: five blocked at the barrier would wait for the pool to grow.
        var batched = await Task.WhenAll(names.Select(n => Task.Factory.StartNew(() => Generate(batcher.Open(Prompt(n)), Greedy(16), step =>
        {
            if (step == 1)
                prompted.SignalAndWait(TimeSpan.FromSeconds(30));
        }), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

        for (var i = 0; i < names.Length; i++)
            AssertAsAlone(alone[i], batched[i], names[i]);
        Assert.Equal(2, batcher.Counts.MostRows);
        Assert.Equal(0, batcher.HeldStates);
    }

    /// <summary>
    /// The path a cache on a GPU takes (IO binding; caches copied through ONNX Runtime to be
    /// gathered into a batch, then sent back), run here in host memory: two sequences step alone,
    /// are gathered, and step on as one batch with the logits they have alone.
    /// </summary>
    [Fact]
    public void Caches_kept_as_on_a_device_gather_into_a_batch_that_steps_as_they_do_alone()
    {
        var onDevice = new DecoderOnlyGraph(_graph.Session, CacheLocation.HostAsIfDevice);
        string[] names = ["text_0", "text_4"]; // prompts of different lengths: the shorter is padded
        var alone = names.Select(n => Alone(Prompt(n), Greedy(12))).ToList();
        var states = names.Select(n => new DecoderOnlyState(onDevice, Prompt(n), Vocab)).ToList();
        for (var i = 0; i < states.Count; i++)
        {
            states[i].Start(rows: 1);
            for (var t = 0; t < 4; t++)
                states[i].Next([alone[i].Ids[t]]);
        }

        using var batch = DecoderOnlyState.Gather(onDevice, Vocab, [(states[0], 0), (states[1], 0)]);
        var most = 0f;
        for (var t = 4; t < 11; t++)
        {
            var logits = batch.Next([alone[0].Ids[t], alone[1].Ids[t]]);
            for (var row = 0; row < 2; row++)
            {
                for (var i = 0; i < Vocab; i++)
                    most = Math.Max(most, Math.Abs(alone[row].Logits[t + 1][i] - logits[row * Vocab + i]));
            }
        }

        foreach (var state in states)
            state.Dispose();
        output.WriteLine($"gathered rows' logits differ from alone by at most {most:E2}");
        Assert.InRange(most, 0f, Tolerance);
    }

    [Fact]
    public void A_sequence_alone_steps_on_its_own_prompt_state_without_padding()
    {
        var batcher = new DecodeBatcher(_graph, Vocab, maxBatch: 8);

        var run = Generate(batcher.Open(Prompt("text_1")), Greedy(12));

        Assert.Equal(Alone(Prompt("text_1"), Greedy(12)).Logits, run.Logits);
        Assert.Equal((1, 0), batcher.Counts);
        Assert.Equal(0, batcher.HeldStates);
    }

    [Fact]
    public async Task A_cancelled_sequence_that_never_stepped_releases_its_prompt()
    {
        var batcher = new DecodeBatcher(_graph, Vocab, maxBatch: 8);
        using var cancel = new CancellationTokenSource();

        var run = await Task.Run(() => Generate(batcher.Open(Prompt("text_1")), Greedy(12), step => cancel.Cancel(), cancel.Token));

        Assert.True(run.Cancelled);
        Assert.Single(run.Ids);
        Assert.Equal(0, batcher.HeldStates);
    }
}
