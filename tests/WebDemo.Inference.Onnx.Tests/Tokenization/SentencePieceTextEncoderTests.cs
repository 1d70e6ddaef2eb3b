using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Tokenizers;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tokenization;

/// <summary>
/// The T5 tokenizer against transformers.js, on two kits: the repository's t5-tiny-random fixture
/// (always) and the real t5-small files in ../shared (skipped without them). Each theory takes the
/// kit's name; what only t5-small's vocabulary can say (exact ids) is in t5-small-only facts.
/// </summary>
public class SentencePieceTextEncoderTests
{
    private const string TinyRandom = T5TokenizerReference.TinyRandom;
    private const string Small = T5TokenizerReference.Small;

    private static readonly Dictionary<string, Lazy<SentencePieceTextEncoder>> Encoders = new(StringComparer.Ordinal)
    {
        [TinyRandom] = new(() => Load(T5TokenizerReference.Kit(TinyRandom).Dir)),
        [Small] = new(() => Load(T5TokenizerReference.Kit(Small).Dir)),
    };

    private static SentencePieceTextEncoder Encoder(string kit) => Encoders[kit].Value;

    private static ModelSnapshot Folder(string dir) => new("test/t5", null, dir,
        SentencePieceTextEncoder.Files.Select(f => f.Path).Where(f => File.Exists(Path.Combine(dir, f)))
            .ToDictionary(f => f, f => Path.Combine(dir, f)));

    private static SentencePieceTextEncoder Load(string dir) => SentencePieceTextEncoder.Load(Folder(dir));

    [Theory]
    [T5KitData(TinyRandom, T5KitRows.Texts)]
    [T5KitData(Small, T5KitRows.Texts)]
    public void Ids_match_transformers_js(string kit, int index)
    {
        var text = T5TokenizerReference.Kit(kit).Texts[index];

        var encoded = Encoder(kit).Encode(text.Text, int.MaxValue);

        Assert.Equal(text.Ids, encoded.Ids);
        Assert.False(encoded.Truncated);
    }

    [Theory]
    [T5KitData(TinyRandom, T5KitRows.Sequences)]
    [T5KitData(Small, T5KitRows.Sequences)]
    public void Decodes_match_transformers_js(string kit, int index)
    {
        var sequence = T5TokenizerReference.Kit(kit).AllSequences[index];

        Assert.Equal(sequence.Decoded, Encoder(kit).Decode(sequence.Ids));
        Assert.Equal(sequence.DecodedWithSpecial, Encoder(kit).Decode(sequence.Ids, skipSpecialTokens: false));
    }

    [Theory]
    [T5KitData(TinyRandom, T5KitRows.Sequences)]
    [T5KitData(Small, T5KitRows.Sequences)]
    public void Ids_fed_one_at_a_time_give_transformers_js_decode_in_whole_words(string kit, int index)
    {
        var reference = T5TokenizerReference.Kit(kit);
        var sequence = reference.AllSequences[index];
        var pieces = SentencePieceModel.Read(File.ReadAllBytes(Path.Combine(reference.Dir, "spiece.model"))).Pieces;
        var encoder = Encoder(kit);
        var decoder = encoder.CreateIncrementalDecoder();
        var emitted = new StringBuilder();

        for (var i = 0; i < sequence.Ids.Length; i++)
        {
            var piece = decoder.Add(sequence.Ids[i]);
            if (piece.Length == 0)
                continue;
            // Only the start of a new word lets text out, and none of the new word comes with it.
            var id = sequence.Ids[i];
            Assert.True(id < pieces.Count && pieces[id].Piece.StartsWith('▁'), $"text came out at piece {id}");
            emitted.Append(piece);
            Assert.StartsWith(emitted.ToString(), encoder.Decode(sequence.Ids[..i]), StringComparison.Ordinal);
        }
        emitted.Append(decoder.Flush());

        Assert.Equal(sequence.Decoded, emitted.ToString());
    }

    [Theory]
    [T5KitData(TinyRandom)]
    [T5KitData(Small)]
    public void The_reference_is_broad(string kit)
    {
        var reference = T5TokenizerReference.Kit(kit);
        var texts = reference.Texts.Select(t => t.Text).ToList();
        var unknown = Encoder(kit).UnknownId;

        Assert.True(texts.Count >= 40);
        Assert.Contains(texts, t => t.StartsWith("summarize: ", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.StartsWith("translate English to German: ", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("  ", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains('\t', StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains('\n', StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains('ﬁ', StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("<extra_id_0>", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("</s>", StringComparison.Ordinal));
        Assert.Contains("", texts);
        // CJK and emoji map to <unk>, one for each run of unknown characters.
        Assert.Contains(reference.Texts, t => t.Text.Contains('東', StringComparison.Ordinal) && t.Ids.Contains(unknown));
        Assert.Contains(reference.Texts, t => t.Text.Contains("🎉🎉", StringComparison.Ordinal) && t.Ids.Contains(unknown));
        // The generated sequences hold what a generator produces and encoding does not: the decoder
        // start <pad>, sentinels, </s> before the end, <unk> among words, words in several pieces.
        var generated = reference.GeneratedSequences.Select(g => g.Ids).ToList();
        var sentinels = Enumerable.Range(0, 100).Select(n => Encoder(kit).Encode($"<extra_id_{n}>", int.MaxValue).Ids[0]).ToHashSet();
        Assert.Contains(generated, ids => ids[0] == Encoder(kit).PaddingId);
        Assert.Contains(generated, ids => ids.Count(sentinels.Contains) >= 2);
        Assert.Contains(generated, ids => Array.IndexOf(ids, Encoder(kit).EndOfSentenceId) is >= 0 and var at && at < ids.Length - 2);
        Assert.Contains(generated, ids => ids.Length > 2 && ids.AsSpan(1, ids.Length - 2).Contains(unknown));
        Assert.Contains(reference.GeneratedSequences, g => g.Decoded.StartsWith("transformation ", StringComparison.Ordinal));
    }

    [Theory]
    [T5KitData(TinyRandom)]
    [T5KitData(Small)]
    public void Long_text_is_cut_to_512_keeping_the_final_eos(string kit)
    {
        var reference = T5TokenizerReference.Kit(kit).Truncated;
        var full = T5TokenizerReference.Kit(kit).Texts.Single(t => t.Text == reference.Text).Ids;

        var encoded = Encoder(kit).Encode(reference.Text);

        Assert.Equal(512, Encoder(kit).MaxLength);
        Assert.True(encoded.Truncated);
        Assert.Equal(512, encoded.Ids.Length);
        Assert.Equal(full[..511], encoded.Ids[..511]);
        Assert.Equal(1, encoded.Ids[^1]);
        // transformers.js (truncation: true, as its summarization pipeline asks) cuts the finished
        // sequence, so the model never sees </s>; Python's transformers keeps it, as done here.
        Assert.Equal(reference.MaxLength, reference.Ids.Length);
        Assert.Equal(full[..512], reference.Ids);
        Assert.NotEqual(1, reference.Ids[^1]);
    }

    [Theory]
    [T5KitData(TinyRandom)]
    [T5KitData(Small)]
    public void A_given_limit_cuts_shorter(string kit)
    {
        var reference = T5TokenizerReference.Kit(kit);
        var text = reference.Texts.Single(t => t.Text == "summarize: studies have shown that owning a dog is good for you");

        var encoded = Encoder(kit).Encode(text.Text, 5);

        Assert.True(encoded.Truncated);
        Assert.Equal([.. text.Ids[..4], 1], encoded.Ids);
        Assert.Equal(8, SentencePieceTextEncoder.Load(Folder(reference.Dir), maxLength: 8).Encode(reference.Truncated.Text).Ids.Length);
    }

    [Theory]
    [T5KitData(TinyRandom)]
    [T5KitData(Small)]
    public void Special_ids_come_from_the_tokenizer_files(string kit)
    {
        var encoder = Encoder(kit);

        // Both kits keep T5's ids (make_model.py trains the fixture with them).
        Assert.Equal(1, encoder.EndOfSentenceId);
        Assert.Equal(0, encoder.PaddingId);
        Assert.Equal(2, encoder.UnknownId);
    }

    [Theory]
    [T5KitData(TinyRandom)]
    [T5KitData(Small)]
    public void The_model_without_bos_loads_and_its_files_stay_untouched(string kit)
    {
        var reference = T5TokenizerReference.Kit(kit);
        var before = HashFiles(reference.Dir);
        var bytes = File.ReadAllBytes(Path.Combine(reference.Dir, "spiece.model"));

        // The library alone rejects T5's bos_id = -1 (Microsoft.ML.Tokenizers 2.0.1).
        Assert.Equal(-1, SentencePieceModel.Read(bytes).BeginningOfSentenceId);
        Assert.Throws<IndexOutOfRangeException>(() => SentencePieceTokenizer.Create(new MemoryStream(bytes), false, false, null));

        var encoder = Load(reference.Dir);

        Assert.Equal(reference.Texts.Single(t => t.Text == "Hello world").Ids, encoder.Encode("Hello world").Ids);
        Assert.Equal(before, HashFiles(reference.Dir));
    }

    [Theory]
    [T5KitData(TinyRandom)]
    [T5KitData(Small)]
    public void The_vocabulary_can_come_from_tokenizer_json_alone(string kit)
    {
        var reference = T5TokenizerReference.Kit(kit);
        using var temp = new TempDirectory();
        foreach (var file in new[] { "tokenizer_config.json", "tokenizer.json" })
            File.Copy(Path.Combine(reference.Dir, file), Path.Combine(temp.Path, file));

        var encoder = Load(temp.Path);

        AssertMatchesReference(encoder, reference);
    }

    [Theory]
    [T5KitData(TinyRandom)]
    [T5KitData(Small)]
    public void A_bare_spiece_model_is_read_as_T5Tokenizer_would(string kit)
    {
        var reference = T5TokenizerReference.Kit(kit);
        using var temp = new TempDirectory();
        File.Copy(Path.Combine(reference.Dir, "spiece.model"), Path.Combine(temp.Path, "spiece.model"));

        var encoder = Load(temp.Path);

        Assert.Equal(512, encoder.MaxLength);
        AssertMatchesReference(encoder, reference);
    }

    [SharedFact("the t5-small tokenizer kit")]
    public void T5_small_gives_its_known_ids()
    {
        var encoder = Encoder(Small);

        Assert.Equal([8774, 296, 1], encoder.Encode("Hello world").Ids);
        Assert.Equal([21603, 10, 2116, 43, 1], encoder.Encode("summarize: studies have shown that owning a dog is good for you", 5).Ids);
    }

    [SharedFact("the t5-small tokenizer kit")]
    public void Transformation_in_three_pieces_waits_for_the_next_word()
    {
        var decoder = Encoder(Small).CreateIncrementalDecoder();

        // ▁trans, form, ation, ▁is
        Assert.Equal(["", "", "", "transformation"], new[] { 3017, 2032, 257, 19 }.Select(decoder.Add));
        Assert.Equal(" is", decoder.Flush());
    }

    [SharedFact("the t5-small tokenizer kit")]
    public void Lone_surrogates_are_unknown_as_in_transformers_js()
    {
        // transformers.js 4.3.1: tokenizer("a\uD800b") and tokenizer("x\uDC00").
        Assert.Equal([3, 9, 2, 115, 1], Encoder(Small).Encode("a\uD800b").Ids);
        Assert.Equal([3, 226, 2, 1], Encoder(Small).Encode("x\uDC00").Ids);
    }

    [Fact]
    public void A_folder_with_only_spiece_model_encodes_as_T5Tokenizer_and_its_file_stays_untouched()
    {
        using var temp = new TempDirectory();
        var file = Path.Combine(temp.Path, "spiece.model");
        File.WriteAllBytes(file, SentencePieceModelTests.TinyModel());
        var before = SHA256.HashData(File.ReadAllBytes(file));

        var encoder = SentencePieceTextEncoder.Load(new ModelSnapshot("test/tiny", null, temp.Path,
            new Dictionary<string, string> { ["spiece.model"] = file }));

        // Words get "▁"; T5Tokenizer's 100 sentinels count down from the top: <extra_id_0> is 7 + 99.
        Assert.Equal([6, 6, 3, 4, 106, 1], encoder.Encode("ab  ab\ta<extra_id_0>").Ids);
        Assert.Equal("ab ab a", encoder.Decode([6, 6, 3, 4, 106, 1]));
        Assert.Equal("ab ab a<extra_id_0></s>", encoder.Decode([6, 6, 3, 4, 106, 1], skipSpecialTokens: false));
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(file)));
    }

    [Fact]
    public void A_folder_without_tokenizer_files_is_a_clear_error()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(Path.Combine(temp.Path, "tokenizer_config.json"), "{}");

        var error = Assert.Throws<Errors.InferenceException>(() => Load(temp.Path));

        Assert.Contains("neither spiece.model nor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_spiece_model_is_a_clear_error()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(Path.Combine(temp.Path, "spiece.model"), Encoding.UTF8.GetBytes("not a model"));

        var error = Assert.Throws<Errors.InferenceException>(() => Load(temp.Path));

        Assert.Contains("could not be read", error.Message, StringComparison.Ordinal);
    }

    private static void AssertMatchesReference(SentencePieceTextEncoder encoder, T5TokenizerReference reference)
    {
        foreach (var text in reference.Texts)
        {
            Assert.Equal(text.Ids, encoder.Encode(text.Text, int.MaxValue).Ids);
            Assert.Equal(text.Decoded, encoder.Decode(text.Ids));
        }
    }

    private static Dictionary<string, string> HashFiles(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f),
            f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);
}
