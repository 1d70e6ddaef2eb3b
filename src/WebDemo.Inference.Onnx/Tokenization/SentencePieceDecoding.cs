using System.Globalization;
using System.Text;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>
/// How a SentencePiece vocabulary turns ids back into text, as transformers.js decodes with
/// tokenizer.json: an id outside the vocabulary reads as the unknown token; special tokens (by their
/// text, as <c>skip_special_tokens</c> compares them) are skipped or kept; the Metaspace decoder
/// turns "▁" into a space and drops the first token's leading one; with byte fallback, runs of
/// "&lt;0xNN&gt;" pieces become their UTF-8 text (ByteFallback); then clean-up of spaces.
/// </summary>
internal sealed class SentencePieceDecoding
{
    private readonly string[] _pieces;
    private readonly bool[] _special;
    private readonly short[]? _bytes;

    /// <param name="pieces">Every token by id: the model's pieces, then any added tokens.</param>
    /// <param name="specialTokens">The tokens skip_special_tokens drops (added special tokens and additional_special_tokens).</param>
    /// <param name="byteFallback">Whether "&lt;0xNN&gt;" pieces stand for bytes.</param>
    /// <param name="stripLeadingSpace">Whether the first token loses its leading space (Metaspace's prefix).</param>
    /// <param name="cleanUpSpaces">tokenizer_config's clean_up_tokenization_spaces.</param>
    public SentencePieceDecoding(IReadOnlyList<string> pieces, IReadOnlySet<string> specialTokens, int unknownId,
        bool byteFallback, bool stripLeadingSpace, bool cleanUpSpaces)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)unknownId, (uint)pieces.Count, nameof(unknownId));
        _pieces = [.. pieces];
        UnknownId = unknownId;
        _special = [.. _pieces.Select(specialTokens.Contains)];
        if (byteFallback)
            _bytes = [.. _pieces.Select(ParseByte)];
        StripLeadingSpace = stripLeadingSpace;
        CleanUpSpaces = cleanUpSpaces;
    }

    public int UnknownId { get; }

    public bool StripLeadingSpace { get; }

    public bool CleanUpSpaces { get; }

    /// <summary>The token's text, the unknown token's for an id outside the vocabulary.</summary>
    public string Piece(int id) => _pieces[InRange(id)];

    public bool IsSpecial(int id) => _special[InRange(id)];

    /// <summary>The byte a "&lt;0xNN&gt;" piece stands for, with byte fallback.</summary>
    public byte? ByteOf(int id) => _bytes?[InRange(id)] is >= 0 and var value ? (byte)value : null;

    /// <summary>All of <paramref name="ids"/> as text (what the incremental decoder hands out, in one piece).</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        var decoder = new SentencePieceIncrementalDecoder(this, skipSpecialTokens);
        var text = new StringBuilder();
        foreach (var id in ids)
            text.Append(decoder.Add(id));
        return text.Append(decoder.Flush()).ToString();
    }

    private int InRange(int id) => (uint)id < (uint)_pieces.Length ? id : UnknownId;

    private static short ParseByte(string piece) =>
        piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
        && byte.TryParse(piece.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value : (short)-1;
}

/// <summary>The <see cref="IncrementalDecoder"/> of SentencePiece tokenizers (T5's Unigram; Llama's BPE with byte fallback).</summary>
internal sealed class SentencePieceIncrementalDecoder(SentencePieceDecoding decoding, bool skipSpecialTokens = true)
    : IncrementalDecoder(decoding.CleanUpSpaces)
{
    private readonly List<byte> _pendingBytes = [];
    private bool _first = true;

    protected override void Append(int id, StringBuilder text)
    {
        if (skipSpecialTokens && decoding.IsSpecial(id))
            return;
        if (decoding.ByteOf(id) is { } value)
        {
            _pendingBytes.Add(value);
            return;
        }
        AppendBytes(text);
        AppendToken(decoding.Piece(id).Replace('▁', ' '), text);
    }

    protected override void Finish(StringBuilder text) => AppendBytes(text);

    /// <summary>A run of byte pieces as UTF-8, an invalid sequence as U+FFFD (TextDecoder's and .NET's replacement alike).</summary>
    private void AppendBytes(StringBuilder text)
    {
        if (_pendingBytes.Count == 0)
            return;
        AppendToken(Encoding.UTF8.GetString([.. _pendingBytes]), text);
        _pendingBytes.Clear();
    }

    private void AppendToken(string token, StringBuilder text)
    {
        if (_first && decoding.StripLeadingSpace && token.StartsWith(' '))
            token = token[1..];
        _first = false;
        text.Append(token);
    }
}
