using System.Text;
using System.Text.Json;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tokenization;

/// <summary>
/// The causal-LM tokenizers against transformers.js on three kits: the repository's llama-tiny-random
/// fixture (byte-level BPE with Llama 3's Split regex; always), and the real SmolLM2 (byte-level BPE,
/// Digits + ByteLevel regex) and TinyLlama (SentencePiece BPE, byte fallback, BOS) kits in ../shared
/// (skipped without them).
/// </summary>
public class CausalLmTokenizerTests
{
    private const string TinyRandom = ChatTokenizerReference.TinyRandom;
    private const string SmolLm2 = ChatTokenizerReference.SmolLm2;
    private const string TinyLlama = ChatTokenizerReference.TinyLlama;

    private static readonly Dictionary<string, Lazy<CausalLmTokenizer>> Tokenizers = new(StringComparer.Ordinal)
    {
        [TinyRandom] = new(() => Load(ChatTokenizerReference.Kit(TinyRandom).Dir)),
        [SmolLm2] = new(() => Load(ChatTokenizerReference.Kit(SmolLm2).Dir)),
        [TinyLlama] = new(() => Load(ChatTokenizerReference.Kit(TinyLlama).Dir)),
    };

    private static CausalLmTokenizer Tokenizer(string kit) => Tokenizers[kit].Value;

    private static ModelSnapshot Folder(string dir, params string[] leaveOut) => new("test/chat", null, dir,
        CausalLmTokenizer.RepositoryFiles.Select(f => f.Path).Where(f => File.Exists(Path.Combine(dir, f)) && !leaveOut.Contains(f))
            .ToDictionary(f => f, f => Path.Combine(dir, f)));

    private static CausalLmTokenizer Load(string dir, params string[] leaveOut) => CausalLmTokenizer.Load(Folder(dir, leaveOut));

    [Theory]
    [ChatKitData(TinyRandom)]
    [ChatKitData(SmolLm2)]
    [ChatKitData(TinyLlama)]
    public void Ids_match_transformers_js(string kit, int index)
    {
        var text = ChatTokenizerReference.Kit(kit).Texts[index];

        Assert.Equal(text.Ids, Tokenizer(kit).Encode(text.Text));
    }

    [Theory]
    [ChatKitData(TinyRandom, sequences: true)]
    [ChatKitData(SmolLm2, sequences: true)]
    [ChatKitData(TinyLlama, sequences: true)]
    public void Decodes_match_transformers_js(string kit, int index)
    {
        var sequence = ChatTokenizerReference.Kit(kit).AllSequences[index];

        Assert.Equal(sequence.Decoded, Tokenizer(kit).Decode(sequence.Ids));
        Assert.Equal(sequence.DecodedWithSpecial, Tokenizer(kit).Decode(sequence.Ids, skipSpecialTokens: false));
    }

    [Theory]
    [ChatKitData(TinyRandom, sequences: true)]
    [ChatKitData(SmolLm2, sequences: true)]
    [ChatKitData(TinyLlama, sequences: true)]
    public void Ids_fed_one_at_a_time_give_transformers_js_decode_in_whole_words(string kit, int index)
    {
        var sequence = ChatTokenizerReference.Kit(kit).AllSequences[index];
        var tokenizer = Tokenizer(kit);
        var decoder = tokenizer.CreateIncrementalDecoder();
        var emitted = new StringBuilder();

        for (var i = 0; i < sequence.Ids.Length; i++)
        {
            var piece = decoder.Add(sequence.Ids[i]);
            emitted.Append(piece);
            // What came out never changes: it is the start of the decode of the ids so far, and
            // it ends where a word does (white space follows), never inside one.
            Assert.StartsWith(emitted.ToString(), tokenizer.Decode(sequence.Ids[..(i + 1)]), StringComparison.Ordinal);
            if (piece.Length > 0 && emitted.Length < sequence.Decoded.Length)
                Assert.True(char.IsWhiteSpace(sequence.Decoded[emitted.Length]), $"text came out inside a word at id {i}");
        }
        emitted.Append(decoder.Flush());

        Assert.Equal(sequence.Decoded, emitted.ToString());
    }

    [Fact]
    public void The_fixture_reference_is_broad()
    {
        var reference = ChatTokenizerReference.Kit(TinyRandom);
        var texts = reference.Texts.Select(t => t.Text).ToList();

        Assert.True(texts.Count >= 40);
        Assert.Contains(texts, t => t.Contains("  ", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains('\n', StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains('東', StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("🎉", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("<|im_start|>", StringComparison.Ordinal));
        Assert.Contains("", texts);
        Assert.True(reference.GeneratedSequences.Count >= 10);
        // Special tokens in the text are matched whole, never split.
        Assert.Equal([1, 2], Tokenizer(TinyRandom).Encode("<|im_start|><|im_end|>"));
    }

    [Fact]
    public void The_fixture_renders_its_chat_templates_ids()
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.TinyLlamaModelDir, "reference.json")));
        var templates = reference.RootElement.GetProperty("templates").EnumerateArray().ToList();

        Assert.Equal(4, templates.Count);
        foreach (var template in templates)
        {
            var ids = template.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(ids, Tokenizer(TinyRandom).Encode(template.GetProperty("text").GetString()!, addSpecialTokens: false));
        }
    }

    [Fact]
    public void The_fixture_is_byte_level_with_chatml_special_tokens()
    {
        var tokenizer = Tokenizer(TinyRandom);

        Assert.IsType<ByteLevelBpeTokenizer>(tokenizer);
        Assert.Equal(1, tokenizer.BeginningOfSentenceId);
        Assert.Equal(2, tokenizer.EndOfSentenceId);
        Assert.Equal(2, tokenizer.PaddingId);
        Assert.Equal("<|im_start|>", tokenizer.BeginningOfSentenceToken);
        Assert.Equal("<|im_end|>", tokenizer.EndOfSentenceToken);
        Assert.Equal(512, tokenizer.MaxLength);
        Assert.Equal(768, tokenizer.Tokens.Count);
        Assert.Contains("<|im_start|>", tokenizer.ChatTemplate, StringComparison.Ordinal);
        Assert.True(tokenizer.IsSpecial(0));
        Assert.False(tokenizer.IsSpecial(3));
        // No BOS: the post-processor (ByteLevel) adds nothing.
        Assert.Equal(tokenizer.Encode("Hello world"), tokenizer.Encode("Hello world", addSpecialTokens: false));
    }

    [SharedFact("the smollm2-instruct and tinyllama-chat tokenizer kits")]
    public void The_real_kits_have_their_kinds_and_special_ids()
    {
        var smol = Tokenizer(SmolLm2);
        var llama = Tokenizer(TinyLlama);

        Assert.IsType<ByteLevelBpeTokenizer>(smol);
        Assert.Equal((1, 2, 2), (smol.BeginningOfSentenceId, smol.EndOfSentenceId, smol.PaddingId));
        Assert.Equal(49152, smol.Tokens.Count);
        Assert.IsType<SentencePieceBpeTokenizer>(llama);
        Assert.Equal((1, 2, 2), (llama.BeginningOfSentenceId, llama.EndOfSentenceId, llama.PaddingId));
        Assert.Equal(32000, llama.Tokens.Count);
        // VERIFIED.txt in the kits (transformers.js 4.3.1).
        Assert.Equal([19556, 28, 905, 17, 5549, 246, 94, 25972, 83, 7466, 84, 2756, 216, 18645, 250, 48392, 138, 47526],
            smol.Encode("Hello, world! Ünïcödé 你好 🙂"));
        Assert.Equal([12800, 216, 41, 33, 33, 355, 216, 33, 34, 35, 36, 37], smol.Encode("Call 911 or 12345", addSpecialTokens: false));
        Assert.Equal([1, 15043, 29892, 3186, 29991, 7189, 29876, 30085, 29883, 9289, 29948, 29871, 30919, 31076, 29871, 243, 162, 156, 133],
            llama.Encode("Hello, world! Ünïcödé 你好 🙂"));
        Assert.Equal("<s> Hello, world! Ünïcödé 你好 🙂",
            llama.Decode(llama.Encode("Hello, world! Ünïcödé 你好 🙂"), skipSpecialTokens: false));
        Assert.Equal([529, 29989, 5205, 29989, 29958, 13, 3629, 11473, 29889, 2, 29871, 13, 29966, 29989, 1792, 29989, 29958, 13, 18567,
                29991, 2, 29871, 13, 29966, 29989, 465, 22137, 29989, 29958, 13],
            llama.Encode("<|system|>\nBe brief.</s>\n<|user|>\nHi!</s>\n<|assistant|>\n", addSpecialTokens: false));
    }

    [SharedTheory("the tinyllama-chat tokenizer kit")]
    [MemberData(nameof(TinyLlamaTextIndexes))]
    public void SentencePiece_bpe_from_tokenizer_json_alone_matches_transformers_js(int index)
    {
        var text = ChatTokenizerReference.Kit(TinyLlama).Texts[index];
        var tokenizer = WithoutModelFile.Value;

        Assert.Equal(text.Ids, tokenizer.Encode(text.Text));
        Assert.Equal(text.Decoded, tokenizer.Decode(text.Ids));
    }

    public static TheoryData<int> TinyLlamaTextIndexes => new(Enumerable.Range(0, ChatTokenizerReference.Kit(TinyLlama).Texts.Count));

    private static readonly Lazy<CausalLmTokenizer> WithoutModelFile = new(() => Load(ChatTokenizerReference.Kit(TinyLlama).Dir, "tokenizer.model"));

    [Fact]
    public void A_folder_without_tokenizer_files_says_so()
    {
        using var temp = new TempDirectory();

        var ex = Assert.Throws<WebDemo.Inference.Errors.InferenceException>(() => Load(temp.Path));

        Assert.Contains("neither tokenizer.json nor tokenizer.model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_unigram_tokenizer_json_is_refused_with_a_reason()
    {
        var ex = Assert.Throws<WebDemo.Inference.Errors.InferenceException>(() => Load(TestPaths.TinyT5ModelDir));

        Assert.Contains("Unigram", ex.Message, StringComparison.Ordinal);
    }
}
