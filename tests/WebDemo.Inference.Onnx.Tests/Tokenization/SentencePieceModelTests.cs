using System.Text;
using Microsoft.ML.Tokenizers;
using WebDemo.Inference.Onnx.Tokenization;

namespace WebDemo.Inference.Onnx.Tests.Tokenization;

/// <summary>The in-memory SentencePiece model codec, on a tiny model written here the way T5's is (bos_id = -1).</summary>
public class SentencePieceModelTests
{
    private static readonly (string Piece, float Score, int Type)[] TinyPieces =
    [
        ("<pad>", 0, 3), ("</s>", 0, 3), ("<unk>", 0, 2), ("▁", -2, 1), ("a", -3, 1), ("b", -3, 1), ("▁ab", -1, 1),
    ];

    /// <summary>A Unigram ModelProto (sentencepiece_model.proto) with T5's special ids: pad 0, eos 1, unk 2, no BOS.</summary>
    internal static byte[] TinyModel(int bosId = -1, string normalizer = "identity")
    {
        var model = new MemoryStream();
        foreach (var (piece, score, type) in TinyPieces)
        {
            var entry = new MemoryStream();
            Field(entry, 1, Encoding.UTF8.GetBytes(piece));
            Tag(entry, 2, 5);
            entry.Write(BitConverter.GetBytes(score));
            Field(entry, 3, type);
            Field(model, 1, entry.ToArray());
        }
        var trainer = new MemoryStream();
        Field(trainer, 3, 1);       // model_type UNIGRAM
        Field(trainer, 40, 2);      // unk_id
        Field(trainer, 41, bosId);  // bos_id
        Field(trainer, 42, 1);      // eos_id
        Field(trainer, 43, 0);      // pad_id
        Field(model, 2, trainer.ToArray());
        var normalizerSpec = new MemoryStream();
        Field(normalizerSpec, 1, Encoding.UTF8.GetBytes(normalizer));
        Field(model, 3, normalizerSpec.ToArray());
        return model.ToArray();
    }

    private static void Tag(Stream s, int field, int wire) => Varint(s, (ulong)((field << 3) | wire));

    private static void Field(Stream s, int field, int value)
    {
        Tag(s, field, 0);
        Varint(s, unchecked((ulong)(long)value));
    }

    private static void Field(Stream s, int field, byte[] bytes)
    {
        Tag(s, field, 2);
        Varint(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private static void Varint(Stream s, ulong value)
    {
        for (; value >= 0x80; value >>= 7)
            s.WriteByte((byte)(value | 0x80));
        s.WriteByte((byte)value);
    }

    [Fact]
    public void The_library_alone_rejects_a_model_without_bos()
    {
        Assert.Throws<IndexOutOfRangeException>(() => SentencePieceTokenizer.Create(new MemoryStream(TinyModel()), false, false, null));
    }

    [Fact]
    public void Read_gives_the_pieces_and_bytes_the_library_loads()
    {
        var model = SentencePieceModel.Read(TinyModel());

        Assert.Equal(TinyPieces.Select(p => p.Piece), model.Pieces.Select(p => p.Piece));
        Assert.Equal(TinyPieces.Select(p => (PieceType)p.Type), model.Pieces.Select(p => p.Type));
        Assert.Equal(-1f, model.Pieces[6].Score);
        Assert.Equal((-1, 1, 0, 2), (model.BeginningOfSentenceId, model.EndOfSentenceId, model.PaddingId, model.UnknownId));
        Assert.True(model.IsUnigram);
        Assert.Equal("identity", model.NormalizerName);

        var tokenizer = SentencePieceTokenizer.Create(new MemoryStream(model.Bytes), false, false, null);
        Assert.Equal([6, 3, 4], tokenizer.EncodeToIds("▁ab▁a", false, false, false, false));
    }

    [Fact]
    public void Only_a_negative_bos_changes()
    {
        var withBos = TinyModel(bosId: 1);

        Assert.Equal(withBos, SentencePieceModel.Read(withBos).Bytes);
        Assert.Equal(TinyModel(bosId: 2).Length, SentencePieceModel.Read(TinyModel()).Bytes.Length);
    }

    [Fact]
    public void Pieces_written_by_FromPieces_read_back_the_same()
    {
        var pieces = TinyPieces.Select(p => new VocabularyPiece(p.Piece, p.Score, (PieceType)p.Type)).ToList();

        var written = SentencePieceModel.FromPieces(pieces, unknownId: 2, endOfSentenceId: 1, paddingId: 0, byteFallback: false);
        var read = SentencePieceModel.Read(written.Bytes);

        Assert.Equal(pieces, read.Pieces);
        Assert.Equal((2, 1, 0), (read.UnknownId, read.EndOfSentenceId, read.PaddingId));
        var tokenizer = SentencePieceTokenizer.Create(new MemoryStream(written.Bytes), false, false, null);
        Assert.Equal([6, 6], tokenizer.EncodeToIds("▁ab▁ab", false, false, false, false));
    }

    [Fact]
    public void Garbage_is_invalid_data()
    {
        Assert.Throws<InvalidDataException>(() => SentencePieceModel.Read([0x0A, 0xFF]));
        Assert.Throws<InvalidDataException>(() => SentencePieceModel.Read(Encoding.UTF8.GetBytes("not a model")));
    }
}
