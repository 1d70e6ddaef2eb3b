using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Generation;

/// <summary>
/// The generation engine on the repository's tiny random T5, token for token against what
/// transformers.js generated from the same files (tests/models/t5-tiny-random/reference.json).
/// </summary>
public sealed class EncoderDecoderGenerationTests(EncoderDecoderGenerationTests.TinyT5Sessions sessions)
    : IClassFixture<EncoderDecoderGenerationTests.TinyT5Sessions>
{
    private static readonly string ModelDir = TestPaths.TinyT5ModelDir;

    /// <summary>The tiny T5's four graphs, loaded once for all the cases.</summary>
    public sealed class TinyT5Sessions : IDisposable
    {
        public InferenceSession Encoder { get; } = new(Path.Combine(ModelDir, "onnx", "encoder_model.onnx"));
        public InferenceSession Merged { get; } = new(Path.Combine(ModelDir, "onnx", "decoder_model_merged.onnx"));
        public InferenceSession FirstStep { get; } = new(Path.Combine(ModelDir, "onnx", "decoder_model.onnx"));
        public InferenceSession WithPast { get; } = new(Path.Combine(ModelDir, "onnx", "decoder_with_past_model.onnx"));

        public void Dispose()
        {
            Encoder.Dispose();
            Merged.Dispose();
            FirstStep.Dispose();
            WithPast.Dispose();
        }
    }

    private readonly InferenceSession _encoder = sessions.Encoder;
    private readonly InferenceSession _merged = sessions.Merged;
    private readonly InferenceSession _firstStep = sessions.FirstStep;
    private readonly InferenceSession _withPast = sessions.WithPast;
    private static readonly GenerationTokens Tokens = new(0, new HashSet<int> { 1 });

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var input in Reference().GetProperty("inputs").EnumerateArray())
        {
            foreach (var setting in input.GetProperty("generate").EnumerateObject())
            {
                // transformers.js 4.3.1 generates greedily whatever num_beams says: beams have their own tests.
                if (!setting.Value.GetProperty("params").TryGetProperty("num_beams", out _))
                    data.Add(input.GetProperty("name").GetString()!, setting.Name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Greedy_generation_matches_transformers_js_token_for_token(string input, string setting)
    {
        var (ids, parameters, expected) = Case(input, setting);

        var generated = Generate(ids, Settings(parameters), new EncoderDecoderGraphs(_encoder, _merged, null));

        Assert.Equal(expected, generated);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_split_decoder_generates_the_same_tokens_as_the_merged_one(string input, string setting)
    {
        var (ids, parameters, expected) = Case(input, setting);

        var generated = Generate(ids, Settings(parameters), new EncoderDecoderGraphs(_encoder, _firstStep, _withPast));

        Assert.Equal(expected, generated);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Without_the_cache_the_merged_decoder_generates_the_same_tokens(string input, string setting)
    {
        var (ids, parameters, expected) = Case(input, setting);

        var generated = Generate(ids, Settings(parameters) with { UseCache = false }, new EncoderDecoderGraphs(_encoder, _merged, null));

        Assert.Equal(expected, generated);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Without_the_cache_the_split_decoder_generates_the_same_tokens(string input, string setting)
    {
        var (ids, parameters, expected) = Case(input, setting);

        // decoder_model.onnx alone: decoder_with_past_model.onnx is never run.
        var generated = Generate(ids, Settings(parameters) with { UseCache = false }, new EncoderDecoderGraphs(_encoder, _firstStep, _withPast));

        Assert.Equal(expected, generated);
    }

    /// <summary>
    /// Prompt lookup: guesses checked several tokens a run on the merged decoder, wrong ones dropped
    /// from the cache (also as a cache on a device is); the split layout's decoder_with_past declares
    /// one new token and is fed one at a time. The ids stay transformers.js's.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Guessing_ahead_keeps_transformers_js_ids(string input, string setting)
    {
        var (ids, parameters, expected) = Case(input, setting);
        var settings = Settings(parameters) with { PromptLookupTokens = 8 };

        Assert.Equal(expected, Generate(ids, settings, new EncoderDecoderGraphs(_encoder, _merged, null)));
        Assert.Equal(expected, Generate(ids, settings, new EncoderDecoderGraphs(_encoder, _firstStep, _withPast)));
        Assert.Equal(expected, Generate(ids, settings, new EncoderDecoderGraphs(_encoder, _merged, null, CacheLocation.HostAsIfDevice)));
    }

    [Fact]
    public void The_merged_decoder_checks_guesses_in_one_run_and_the_split_one_cannot()
    {
        var merged = new EncoderDecoderGraphs(_encoder, _merged, null);
        var guessed = Cases().Sum(c =>
        {
            var (ids, parameters, _) = Case((string)c[0], (string)c[1]);
            using var state = new EncoderDecoderState(merged, ids, Tokens.StartId, vocabSize: 512);
            return TokenGenerator.Generate(state, Settings(parameters) with { PromptLookupTokens = 8 }, Tokens with { EncoderInput = ids }, default).Count(s => s.Guessed);
        });

        Assert.True(merged.TakesSeveralTokens(Tokens.StartId, 512));
        Assert.False(new EncoderDecoderGraphs(_encoder, _firstStep, _withPast).TakesSeveralTokens(Tokens.StartId, 512));
        Assert.True(guessed > 20, $"{guessed} tokens were confirmed guesses");
    }

    public static TheoryData<string, bool> BeamCases() => new()
    {
        { "summarize_short", true }, { "summarize_short", false },
        { "translate_fr_accents", true }, { "translate_fr_accents", false },
        { "long_truncated", true }, { "long_truncated", false },
    };

    /// <summary>Beam search reorders the rows every step: the cache's rows (with it) or the sequences (without) must follow.</summary>
    [Theory]
    [MemberData(nameof(BeamCases))]
    public void Beam_search_finds_the_same_sequence_with_and_without_the_cache(string input, bool merged)
    {
        var (ids, _, _) = Case(input, "greedy");
        var graphs = merged ? new EncoderDecoderGraphs(_encoder, _merged, null) : new EncoderDecoderGraphs(_encoder, _firstStep, _withPast);
        var settings = new GenerationSettings { MaxNewTokens = 20, NumBeams = 4, NoRepeatNgramSize = 2 };

        var cached = Generate(ids, settings, graphs);
        var uncached = Generate(ids, settings with { UseCache = false }, graphs);

        Assert.NotEmpty(cached);
        Assert.Equal(cached, uncached);
        // The split layout's cached steps run decoder_with_past_model.onnx: it must agree with the merged graph.
        Assert.Equal(Generate(ids, settings, new EncoderDecoderGraphs(_encoder, _merged, null)), cached);
    }

    /// <summary>
    /// The path a cache on a GPU takes (IO binding; beams' rows copied through ONNX Runtime to be
    /// reordered, then sent back), run here in host memory: the same ids, greedy and with beams.
    /// </summary>
    [Theory]
    [MemberData(nameof(BeamCases))]
    public void A_cache_kept_as_on_a_device_generates_the_same_ids(string input, bool merged)
    {
        var (ids, parameters, expected) = Case(input, "greedy");
        var onDevice = merged
            ? new EncoderDecoderGraphs(_encoder, _merged, null, CacheLocation.HostAsIfDevice)
            : new EncoderDecoderGraphs(_encoder, _firstStep, _withPast, CacheLocation.HostAsIfDevice);
        var beams = new GenerationSettings { MaxNewTokens = 20, NumBeams = 4, NoRepeatNgramSize = 2 };

        Assert.Equal(expected, Generate(ids, Settings(parameters), onDevice));
        Assert.Equal(Generate(ids, beams, new EncoderDecoderGraphs(_encoder, _merged, null)), Generate(ids, beams, onDevice));
    }

    [Fact]
    public void Beam_search_runs_on_the_real_graphs_and_one_beam_is_greedy()
    {
        var (ids, _, greedy) = Case("summarize_short", "greedy");
        var graphs = new EncoderDecoderGraphs(_encoder, _merged, null);

        Assert.Equal(greedy, Generate(ids, new GenerationSettings { MaxNewTokens = 20, NumBeams = 1 }, graphs));
        var beams = Generate(ids, new GenerationSettings { MaxNewTokens = 20, NumBeams = 4, LengthPenalty = 2, EarlyStopping = true }, graphs);
        Assert.InRange(beams.Count, 1, 20);
        Assert.DoesNotContain(1, beams);
    }

    private static List<int> Generate(int[] ids, GenerationSettings settings, EncoderDecoderGraphs graphs)
    {
        using var state = new EncoderDecoderState(graphs, ids, Tokens.StartId, vocabSize: 512, settings.UseCache);
        var steps = TokenGenerator.Generate(state, settings, Tokens with { EncoderInput = ids }, default).ToList();
        return steps[^1].Final?.ToList() ?? steps.Select(s => s.Token!.Value).ToList();
    }

    /// <summary>The HF parameters as the engine takes them: for an encoder-decoder, lengths count the start token.</summary>
    private static GenerationSettings Settings(JsonElement parameters)
    {
        int? Int(string name) => parameters.TryGetProperty(name, out var v) ? v.GetInt32() : null;
        return new GenerationSettings
        {
            MaxNewTokens = Int("max_new_tokens") ?? (Int("max_length") - 1) ?? 20,
            MinNewTokens = Math.Max(Int("min_new_tokens") ?? 0, (Int("min_length") ?? 0) - 1),
            RepetitionPenalty = parameters.TryGetProperty("repetition_penalty", out var r) ? r.GetDouble() : 1.0,
            NoRepeatNgramSize = Int("no_repeat_ngram_size") ?? 0,
            NumBeams = Int("num_beams") ?? 1,
            LengthPenalty = parameters.TryGetProperty("length_penalty", out var l) ? l.GetDouble() : 1.0,
            EarlyStopping = parameters.TryGetProperty("early_stopping", out var e) && e.GetBoolean(),
        };
    }

    private static (int[] Ids, JsonElement Parameters, List<int> Expected) Case(string input, string setting)
    {
        var (ids, expected, parameters) = TinyT5Reference.Generation(input, setting);
        return (ids, parameters, expected);
    }

    private static JsonElement Reference() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelDir, "reference.json"))).RootElement;
}
