using System.Text;
using WebDemo.Inference.Onnx.Tokenization;

namespace WebDemo.Inference.Onnx.Tests.Tokenization;

public class IncrementalDecoderTests
{
    // A small made-up vocabulary with what makes decoding hard: words in pieces, a lone "▁",
    // punctuation and contractions that clean-up joins, special tokens, byte-fallback pieces.
    private static readonly string[] Pieces =
    [
        "<pad>", "</s>", "<unk>", "▁", "▁trans", "form", "ation", "▁is", "n", "'",
        "t", ".", ",", "?", "!", "s", "m", "ve", "re", "▁x",
        "x", "▁n", "▁'", "<extra_id_0>", "<0xE2>", "<0x82>", "<0xAC>", "<0x0A>", "▁▁", "e",
        "v", "r", "▁.", "<0xFF>", "▁'t",
    ];

    private static readonly HashSet<string> Specials = ["<pad>", "</s>", "<unk>", "<extra_id_0>"];

    private static SentencePieceDecoding Decoding(bool cleanUp = true, bool byteFallback = true) =>
        new(Pieces, Specials, unknownId: 2, byteFallback, stripLeadingSpace: true, cleanUp);

    private static int Id(string piece) => Array.IndexOf(Pieces, piece);

    /// <summary>What Add returned for each id, then what Flush returned.</summary>
    private static List<string> Feed(IncrementalDecoder decoder, IEnumerable<int> ids) =>
        [.. ids.Select(decoder.Add), decoder.Flush()];

    /// <summary>
    /// transformers.js's decode written out directly, with no cutting: skip special tokens, byte runs
    /// to UTF-8, "▁" to space, the first token's leading space dropped, then clean-up.
    /// </summary>
    private static string Oracle(IEnumerable<int> ids, bool skipSpecialTokens, bool cleanUp, bool byteFallback = true)
    {
        var tokens = new List<string>();
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            var piece = (uint)id < (uint)Pieces.Length ? Pieces[id] : "<unk>";
            if (skipSpecialTokens && Specials.Contains(piece))
                continue;
            if (byteFallback && piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal))
            {
                bytes.Add(Convert.FromHexString(piece.AsSpan(3, 2))[0]);
                continue;
            }
            if (bytes.Count > 0)
                tokens.Add(Encoding.UTF8.GetString([.. bytes]));
            bytes.Clear();
            tokens.Add(piece.Replace('▁', ' '));
        }
        if (bytes.Count > 0)
            tokens.Add(Encoding.UTF8.GetString([.. bytes]));
        if (tokens.Count > 0 && tokens[0].StartsWith(' '))
            tokens[0] = tokens[0][1..];
        var text = string.Concat(tokens);
        return cleanUp ? IncrementalDecoder.CleanUp(text) : text;
    }

    [Fact]
    public void A_word_in_three_pieces_comes_out_whole_when_the_next_word_starts()
    {
        var decoder = new SentencePieceIncrementalDecoder(Decoding());

        Assert.Equal("", decoder.Add(Id("▁trans")));
        Assert.Equal("", decoder.Add(Id("form")));
        Assert.Equal("", decoder.Add(Id("ation")));
        Assert.Equal("transformation", decoder.Add(Id("▁is")));
        Assert.Equal(" is", decoder.Flush());
    }

    [Fact]
    public void Special_tokens_are_skipped_or_kept()
    {
        int[] ids = [Id("<pad>"), Id("<extra_id_0>"), Id("▁x"), Id("</s>")];

        Assert.Equal("x", string.Concat(Feed(new SentencePieceIncrementalDecoder(Decoding()), ids)));
        Assert.Equal("<pad><extra_id_0> x</s>", string.Concat(Feed(new SentencePieceIncrementalDecoder(Decoding(), skipSpecialTokens: false), ids)));
    }

    [Fact]
    public void Clean_up_joins_punctuation_and_contractions_without_taking_back_text()
    {
        int[] ids = [Id("▁x"), Id("▁"), Id(","), Id("▁x"), Id("▁n"), Id("'"), Id("t"), Id("▁x"), Id("▁'"), Id("s"), Id("▁"), Id(".")];

        var pieces = Feed(new SentencePieceIncrementalDecoder(Decoding()), ids);

        Assert.Equal("x, xn't x's.", string.Concat(pieces));
        Assert.Equal(Oracle(ids, true, true), string.Concat(pieces));
    }

    [Fact]
    public void A_euro_sign_in_bytes_comes_out_whole()
    {
        var pieces = Feed(new SentencePieceIncrementalDecoder(Decoding(cleanUp: false)),
            [Id("▁x"), Id("▁"), Id("<0xE2>"), Id("<0x82>"), Id("<0xAC>"), Id("▁is")]);

        Assert.Equal(["", "x", "", "", "", " €", " is"], pieces);
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD', StringComparison.Ordinal));
    }

    [Fact]
    public void Unfinished_or_invalid_bytes_end_as_replacement_characters()
    {
        Assert.Equal("x\uFFFD", Decoding().Decode([Id("▁x"), Id("<0xE2>"), Id("<0x82>")], skipSpecialTokens: true));
        Assert.Equal("\uFFFDx", Decoding().Decode([Id("<0xFF>"), Id("x")], skipSpecialTokens: true));
        // A newline byte ends a word like a space.
        Assert.Equal(["", "", "x", "\nx"], Feed(new SentencePieceIncrementalDecoder(Decoding()), [Id("▁x"), Id("<0x0A>"), Id("x")]));
    }

    [Fact]
    public void An_id_outside_the_vocabulary_reads_as_unknown()
    {
        Assert.Equal("x", Decoding().Decode([Id("▁x"), 12345], skipSpecialTokens: true));
        Assert.Equal("x<unk>", Decoding().Decode([Id("▁x"), 12345], skipSpecialTokens: false));
    }

    [Fact]
    public void Adding_after_flush_is_an_error()
    {
        var decoder = new SentencePieceIncrementalDecoder(Decoding());
        decoder.Add(Id("▁x"));
        Assert.Equal("x", decoder.Flush());

        Assert.Equal("", decoder.Flush());
        Assert.Throws<InvalidOperationException>(() => decoder.Add(Id("▁x")));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Random_sequences_come_out_as_decoding_them_at_once(bool cleanUp, bool skipSpecialTokens)
    {
        var random = new Random(20240601);
        var decoding = Decoding(cleanUp);
        for (var run = 0; run < 3000; run++)
        {
            var ids = Enumerable.Range(0, random.Next(0, 16))
                .Select(_ => random.Next(20) == 0 ? 999 : random.Next(Pieces.Length)).ToArray();

            var pieces = Feed(new SentencePieceIncrementalDecoder(decoding, skipSpecialTokens), ids);

            Assert.Equal(Oracle(ids, skipSpecialTokens, cleanUp), string.Concat(pieces));
        }
    }
}
