using System.Text.Json;
using WebDemo.Inference.Onnx.Tests.Diffusion;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tokenization;

/// <summary>
/// The CLIP tokenizer against transformers.js (Reference/clip-tokenizer.json, made by
/// tests/reference/make-clip-tokenizer-reference.mjs) on the real CLIP ViT-L/14 kit in ../shared and on
/// the tiny SD fixture's own. Up to 77 ids the padded ids are transformers.js's exactly. Longer
/// prompts are cut as Python's CLIPTokenizer cuts them, which diffusers relies on: the start token,
/// the first 75 text tokens, then <c>&lt;|endoftext|&gt;</c>. transformers.js (4.3.1) cuts after the
/// 77th id and so drops that end token; the expected ids are built from its uncut ids by Python's rule.
/// </summary>
public sealed class ClipTokenizerTests
{
    public sealed record Encoded(string Text, int[] Ids, int[] Padded);

    private static Encoded[] KitPrompts(string kit) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "clip-tokenizer.json")))
            .RootElement.GetProperty("kits").EnumerateArray().Where(k => k.GetProperty("kit").GetString() == kit)
            .SelectMany(k => k.GetProperty("encoded").Deserialize<Encoded[]>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!)
            .ToArray();

    private static readonly Lazy<ClipTokenizer> Large = new(() => Load(Path.Combine(TestPaths.TokenizersDir, "clip-vit-large-patch14")));

    private static readonly Lazy<ClipTokenizer> Tiny = new(() => Load(Path.Combine(SchedulerReference.ModelDir, "tokenizer")));

    private static ClipTokenizer Load(string dir) => ClipTokenizer.Load(
        Path.Combine(dir, "vocab.json"), Path.Combine(dir, "merges.txt"),
        Path.Combine(dir, "tokenizer_config.json"), Path.Combine(dir, "special_tokens_map.json"));

    public static TheoryData<int> LargePrompts => new(Enumerable.Range(0, KitPrompts("clip-vit-large-patch14").Length));

    public static TheoryData<int> TinyPrompts => new(Enumerable.Range(0, KitPrompts("sd-tiny-random").Length));

    /// <summary>What the text encoder must get: transformers.js's padded ids, or Python's cut of its uncut ids.</summary>
    private static int[] Expected(Encoded e, int eos)
    {
        if (e.Ids.Length <= 77)
            return e.Padded;
        Assert.NotEqual(eos, e.Padded[^1]); // transformers.js drops the end token here; Python keeps it
        return [.. e.Ids.Take(76), eos];
    }

    [SharedTheory("the CLIP ViT-L/14 tokenizer in _tokenizers/clip-vit-large-patch14")]
    [MemberData(nameof(LargePrompts))]
    public void Ids_equal_transformers_js_on_clip_vit_large(int index)
    {
        var expected = KitPrompts("clip-vit-large-patch14")[index];
        var tokenizer = Large.Value;

        Assert.Equal(expected.Ids, tokenizer.EncodeUncut(expected.Text));
        var ids = tokenizer.Encode(expected.Text, out var truncated);
        Assert.Equal(Expected(expected, tokenizer.EosId), ids);
        Assert.Equal(expected.Ids.Length > 77, truncated);
    }

    [Theory]
    [MemberData(nameof(TinyPrompts))]
    public void Ids_equal_transformers_js_on_the_fixtures_tokenizer(int index)
    {
        var expected = KitPrompts("sd-tiny-random")[index];
        var tokenizer = Tiny.Value;

        Assert.Equal(expected.Ids, tokenizer.EncodeUncut(expected.Text));
        Assert.Equal(Expected(expected, tokenizer.EosId), tokenizer.Encode(expected.Text));
    }

    [SharedFact("SD 1.5's tokenizer folder in _tokenizers/clip-sd")]
    public void Sd15s_tokenizer_folder_gives_the_same_ids()
    {
        var sd = Load(Path.Combine(TestPaths.TokenizersDir, "clip-sd", "tokenizer"));
        foreach (var prompt in KitPrompts("clip-vit-large-patch14"))
            Assert.Equal(Large.Value.Encode(prompt.Text), sd.Encode(prompt.Text));
        Assert.Equal(77, sd.MaxLength);
        Assert.Equal(49407, sd.PadId);
    }
}
