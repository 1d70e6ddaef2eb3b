using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Runtime;

/// <summary>
/// The fp16 exports (onnx/*_fp16.onnx, as the Hub ships them beside the fp32 ones; the fixtures'
/// made by tests/models/to_fp16.py): float16 logits, key/value caches and encoder outputs, checked
/// against transformers.js with dtype fp16 on the same files (tests/models/reference_fp16.json).
/// </summary>
public sealed class Float16ExportTests
{
    private static readonly JsonElement Reference = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests", "models", "reference_fp16.json"))).RootElement;

    private static JsonElement.ArrayEnumerator Cases(string name) => Reference.GetProperty(name).EnumerateArray();

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(i => i.GetInt32())];

    [Fact]
    public async Task An_fp16_sentiment_model_gives_transformers_js_scores()
    {
        var dir = TestPaths.TinySentimentModelDir;
        using var services = new TestSettings().Hub("http://127.0.0.1:9", Path.GetTempPath(), offline: true)
            .LocalModel(dir, dtype: "fp16")
            .Services((s, configuration) => s.AddLocalTextClassification(configuration));
        var model = await services.GetRequiredService<LocalModelLoader>().GetAsync<TextClassificationModel>(dir, "text-classification", null, CancellationToken.None);

        foreach (var item in Cases("text_classification"))
        {
            var result = model.Classify([item.GetProperty("text").GetString()!], 0, null).Single();
            foreach (var label in result.Labels)
                Assert.Equal(item.GetProperty("scores").GetProperty(label.Label).GetDouble(), label.Score, 1e-4);
        }
    }

    /// <summary>Host or device-like cache, each without and with prompt lookup (guesses checked several tokens a run, wrong ones cut from the cache).</summary>
    public static TheoryData<bool, int> OnDevice() => new() { { false, 0 }, { true, 0 }, { false, 8 }, { true, 8 } };

    [Theory]
    [MemberData(nameof(OnDevice))]
    public void An_fp16_t5_generates_transformers_js_ids(bool asOnDevice, int promptLookup)
    {
        var onnx = Path.Combine(TestPaths.TinyT5ModelDir, "onnx");
        using var encoder = new InferenceSession(Path.Combine(onnx, "encoder_model_fp16.onnx"));
        using var decoder = new InferenceSession(Path.Combine(onnx, "decoder_model_merged_fp16.onnx"));
        var graphs = new EncoderDecoderGraphs(encoder, decoder, null, asOnDevice ? CacheLocation.HostAsIfDevice : null);
        var settings = new GenerationSettings { MaxNewTokens = 20, PromptLookupTokens = promptLookup };

        foreach (var item in Cases("text_to_text"))
        {
            var input = Ints(item.GetProperty("input_ids"));
            using var state = new EncoderDecoderState(graphs, input, startId: 0, vocabSize: 512);
            var generated = TokenGenerator.Generate(state, settings, new GenerationTokens(0, new HashSet<int> { 1 }, EncoderInput: input), default)
                .Select(s => s.Token!.Value).ToList();

            var expected = Ints(item.GetProperty("ids")).Skip(1).ToList(); // the start token
            if (expected[^1] == 1)
                expected.RemoveAt(expected.Count - 1); // the end token is not part of the text
            Assert.Equal(expected, generated);
        }
        Assert.Equal(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16, graphs.CacheType);
        Assert.True(graphs.TakesSeveralTokens(0, 512)); // within fp16's tolerance
    }

    [Theory]
    [MemberData(nameof(OnDevice))]
    public void An_fp16_causal_model_generates_transformers_js_ids(bool asOnDevice, int promptLookup)
    {
        using var session = new InferenceSession(Path.Combine(TestPaths.TinyLlamaModelDir, "onnx", "model_fp16.onnx"));
        var graph = new DecoderOnlyGraph(session, asOnDevice ? CacheLocation.HostAsIfDevice : null);
        var settings = new GenerationSettings { MaxNewTokens = 20, PromptLookupTokens = promptLookup };

        foreach (var item in Cases("causal"))
        {
            var prompt = Ints(item.GetProperty("input_ids"));
            using var state = new DecoderOnlyState(graph, prompt, vocabSize: 768);
            var generated = TokenGenerator.Generate(state, settings, new GenerationTokens(0, new HashSet<int> { 2 }, prompt), default)
                .Select(s => s.Token!.Value).ToList();

            Assert.Equal(Ints(item.GetProperty("new_ids")), generated);
        }
        Assert.Equal(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16, graph.CacheType);
        Assert.True(graph.TakesSeveralTokens(768));
    }
}
