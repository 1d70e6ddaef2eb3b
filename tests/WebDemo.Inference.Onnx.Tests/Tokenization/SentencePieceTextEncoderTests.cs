using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Tokenizers;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tokenization;

/// <summary>The T5 tokenizer against transformers.js on the real t5-small files in ../shared.</summary>
public class SentencePieceTextEncoderTests
{
    private const string Needs = "the t5-small tokenizer kit and transformers.js's ids for it";

    private static string T5SmallDir => Path.Combine(TestPaths.TokenizersDir, "t5-small");

    private static readonly Lazy<SentencePieceTextEncoder> T5Small = new(() => Load(T5SmallDir));

    private static ModelSnapshot Folder(string dir) => new("test/t5", null, dir,
        SentencePieceTextEncoder.Files.Select(f => f.Path).Where(f => File.Exists(Path.Combine(dir, f)))
            .ToDictionary(f => f, f => Path.Combine(dir, f)));

    private static SentencePieceTextEncoder Load(string dir) => SentencePieceTextEncoder.Load(Folder(dir));

    /// <summary>The encoded texts' id sequences, then the generated ones.</summary>
    public static TheoryData<int> SequenceIndexes => new(Enumerable.Range(0, T5TokenizerReference.AllSequences.Count()));

    [SharedTheory(Needs)]
    [MemberData(nameof(T5TokenizerReference.TextIndexes), MemberType = typeof(T5TokenizerReference))]
    public void Ids_match_transformers_js(int index)
    {
        var text = T5TokenizerReference.Texts[index];

        var encoded = T5Small.Value.Encode(text.Text, int.MaxValue);

        Assert.Equal(text.Ids, encoded.Ids);
        Assert.False(encoded.Truncated);
    }

    [SharedTheory(Needs)]
    [MemberData(nameof(SequenceIndexes))]
    public void Decodes_match_transformers_js(int index)
    {
        var sequence = T5TokenizerReference.AllSequences.ElementAt(index);

        Assert.Equal(sequence.Decoded, T5Small.Value.Decode(sequence.Ids));
        Assert.Equal(sequence.DecodedWithSpecial, T5Small.Value.Decode(sequence.Ids, skipSpecialTokens: false));
    }

    private static readonly Lazy<IReadOnlyList<VocabularyPiece>> T5Pieces =
        new(() => SentencePieceModel.Read(File.ReadAllBytes(Path.Combine(T5SmallDir, "spiece.model"))).Pieces);

    [SharedTheory("the t5-small tokenizer kit and transformers.js's decodes for it")]
    [MemberData(nameof(SequenceIndexes))]
    public void Ids_fed_one_at_a_time_give_transformers_js_decode_in_whole_words(int index)
    {
        var sequence = T5TokenizerReference.AllSequences.ElementAt(index);
        var encoder = T5Small.Value;
        var decoder = encoder.CreateIncrementalDecoder();
        var emitted = new StringBuilder();

        for (var i = 0; i < sequence.Ids.Length; i++)
        {
            var piece = decoder.Add(sequence.Ids[i]);
            if (piece.Length == 0)
                continue;
            // Only the start of a new word lets text out, and none of the new word comes with it.
            var id = sequence.Ids[i];
            Assert.True(id < T5Pieces.Value.Count && T5Pieces.Value[id].Piece.StartsWith('▁'), $"text came out at piece {id}");
            emitted.Append(piece);
            Assert.StartsWith(emitted.ToString(), encoder.Decode(sequence.Ids[..i]), StringComparison.Ordinal);
        }
        emitted.Append(decoder.Flush());

        Assert.Equal(sequence.Decoded, emitted.ToString());
    }

    [SharedFact("the t5-small tokenizer kit")]
    public void Transformation_in_three_pieces_waits_for_the_next_word()
    {
        var decoder = T5Small.Value.CreateIncrementalDecoder();

        // ▁trans, form, ation, ▁is
        Assert.Equal(["", "", "", "transformation"], new[] { 3017, 2032, 257, 19 }.Select(decoder.Add));
        Assert.Equal(" is", decoder.Flush());
    }

    [SharedFact(Needs)]
    public void The_reference_is_broad()
    {
        var texts = T5TokenizerReference.Texts.Select(t => t.Text).ToList();

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
        Assert.Contains(T5TokenizerReference.Texts, t => t.Text.Contains('東', StringComparison.Ordinal) && t.Ids.Contains(2));
        Assert.Contains(T5TokenizerReference.Texts, t => t.Text.Contains("🎉🎉", StringComparison.Ordinal) && t.Ids.Contains(2));
    }

    [SharedFact(Needs)]
    public void Long_text_is_cut_to_512_keeping_the_final_eos()
    {
        var reference = T5TokenizerReference.Truncated;
        var full = T5TokenizerReference.Texts.Single(t => t.Text == reference.Text).Ids;

        var encoded = T5Small.Value.Encode(reference.Text);

        Assert.Equal(512, T5Small.Value.MaxLength);
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

    [SharedFact(Needs)]
    public void A_given_limit_cuts_shorter()
    {
        var encoded = T5Small.Value.Encode("summarize: studies have shown that owning a dog is good for you", 5);

        Assert.True(encoded.Truncated);
        Assert.Equal([21603, 10, 2116, 43, 1], encoded.Ids);
        Assert.Equal(8, SentencePieceTextEncoder.Load(Folder(T5SmallDir), maxLength: 8).Encode(T5TokenizerReference.Truncated.Text).Ids.Length);
    }

    [SharedFact(Needs)]
    public void Special_ids_come_from_the_tokenizer_files()
    {
        var encoder = T5Small.Value;

        Assert.Equal(1, encoder.EndOfSentenceId);
        Assert.Equal(0, encoder.PaddingId);
        Assert.Equal(2, encoder.UnknownId);
    }

    [SharedFact(Needs)]
    public void The_model_without_bos_loads_and_its_files_stay_untouched()
    {
        var before = HashFiles(T5SmallDir);
        var bytes = File.ReadAllBytes(Path.Combine(T5SmallDir, "spiece.model"));

        // The library alone rejects T5's bos_id = -1 (Microsoft.ML.Tokenizers 2.0.1).
        Assert.Equal(-1, SentencePieceModel.Read(bytes).BeginningOfSentenceId);
        Assert.Throws<IndexOutOfRangeException>(() => SentencePieceTokenizer.Create(new MemoryStream(bytes), false, false, null));

        var encoder = Load(T5SmallDir);

        Assert.Equal([8774, 296, 1], encoder.Encode("Hello world").Ids);
        Assert.Equal(before, HashFiles(T5SmallDir));
    }

    [SharedFact(Needs)]
    public void The_vocabulary_can_come_from_tokenizer_json_alone()
    {
        using var temp = new TempDirectory();
        foreach (var file in new[] { "tokenizer_config.json", "tokenizer.json" })
            File.Copy(Path.Combine(T5SmallDir, file), Path.Combine(temp.Path, file));

        var encoder = Load(temp.Path);

        AssertMatchesReference(encoder);
    }

    [SharedFact(Needs)]
    public void A_bare_spiece_model_is_read_as_T5Tokenizer_would()
    {
        using var temp = new TempDirectory();
        File.Copy(Path.Combine(T5SmallDir, "spiece.model"), Path.Combine(temp.Path, "spiece.model"));

        var encoder = Load(temp.Path);

        Assert.Equal(512, encoder.MaxLength);
        AssertMatchesReference(encoder);
    }

    [SharedFact(Needs)]
    public void Lone_surrogates_are_unknown_as_in_transformers_js()
    {
        // transformers.js 4.3.1: tokenizer("a\uD800b") and tokenizer("x\uDC00").
        Assert.Equal([3, 9, 2, 115, 1], T5Small.Value.Encode("a\uD800b").Ids);
        Assert.Equal([3, 226, 2, 1], T5Small.Value.Encode("x\uDC00").Ids);
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

    private static void AssertMatchesReference(SentencePieceTextEncoder encoder)
    {
        foreach (var text in T5TokenizerReference.Texts)
        {
            Assert.Equal(text.Ids, encoder.Encode(text.Text, int.MaxValue).Ids);
            Assert.Equal(text.Decoded, encoder.Decode(text.Ids));
        }
    }

    private static Dictionary<string, string> HashFiles(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f),
            f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);
}
