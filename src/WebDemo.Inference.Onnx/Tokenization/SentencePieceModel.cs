using System.Buffers.Binary;
using System.Text;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>The kinds of piece in a SentencePiece model (sentencepiece_model.proto, ModelProto.SentencePiece.Type).</summary>
internal enum PieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>One entry of a SentencePiece vocabulary; its id is its index.</summary>
internal sealed record VocabularyPiece(string Piece, float Score, PieceType Type);

/// <summary>
/// A SentencePiece model file (sentencepiece_model.proto's <c>ModelProto</c>) read, repaired or
/// written in memory with a small protobuf codec, so that Microsoft.ML.Tokenizers can load it:
/// <list type="bullet">
/// <item>2.0.1 indexes its piece table with <c>trainer_spec.bos_id</c> and <c>eos_id</c>, so a model
/// without a BOS (T5: <c>bos_id = -1</c>) throws IndexOutOfRangeException. <see cref="Read"/> rewrites
/// a negative one to the unknown piece's id in the bytes handed to the library (the unknown entry is
/// written last, so no piece changes); the file on disk is never touched.</item>
/// <item>A repository with tokenizer.json but no spiece.model: <see cref="FromPieces"/> writes the
/// model those pieces and scores describe.</item>
/// </list>
/// </summary>
internal sealed class SentencePieceModel
{
    // Field numbers from sentencepiece_model.proto (the same as Microsoft.ML.Tokenizers' generated
    // Sentencepiece.ModelProto / TrainerSpec / NormalizerSpec *FieldNumber constants).
    private const int PiecesField = 1, TrainerSpecField = 2, NormalizerSpecField = 3;
    private const int PieceField = 1, ScoreField = 2, TypeField = 3;
    private const int ModelTypeField = 3, VocabSizeField = 4, ByteFallbackField = 35,
        UnkIdField = 40, BosIdField = 41, EosIdField = 42, PadIdField = 43,
        UnkPieceField = 45, EosPieceField = 47, PadPieceField = 48;
    private const int NormalizerNameField = 1;

    private const int VarintWire = 0, Fixed64Wire = 1, LengthWire = 2, Fixed32Wire = 5;
    private const int UnigramModelType = 1;

    private SentencePieceModel(byte[] bytes, IReadOnlyList<VocabularyPiece> pieces, int modelType, int unknownId,
        int beginningOfSentenceId, int endOfSentenceId, int paddingId, bool byteFallback, string? normalizerName)
    {
        Bytes = bytes;
        Pieces = pieces;
        IsUnigram = modelType == UnigramModelType;
        UnknownId = unknownId;
        BeginningOfSentenceId = beginningOfSentenceId;
        EndOfSentenceId = endOfSentenceId;
        PaddingId = paddingId;
        ByteFallback = byteFallback;
        NormalizerName = normalizerName;
    }

    /// <summary>The model to hand to <c>SentencePieceTokenizer.Create</c> (repaired where needed).</summary>
    public byte[] Bytes { get; }

    public IReadOnlyList<VocabularyPiece> Pieces { get; }

    /// <summary>Unigram (T5 and most SentencePiece models) rather than BPE (Llama).</summary>
    public bool IsUnigram { get; }

    public int UnknownId { get; }

    /// <summary>As the model file says: -1 when the model has none (T5).</summary>
    public int BeginningOfSentenceId { get; }

    /// <summary>As the model file says: -1 when the model has none.</summary>
    public int EndOfSentenceId { get; }

    /// <summary>-1 when the model has none.</summary>
    public int PaddingId { get; }

    public bool ByteFallback { get; }

    /// <summary>The normalization rule the model was trained with ("nmt_nfkc", "identity"), when it says.</summary>
    public string? NormalizerName { get; }

    /// <summary>Reads a spiece.model, repairing what Microsoft.ML.Tokenizers 2.0.1 rejects.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a SentencePiece model.</exception>
    public static SentencePieceModel Read(byte[] model)
    {
        var pieces = new List<VocabularyPiece>();
        var trainer = new TrainerSpec();
        string? normalizerName = null;
        var repaired = new MemoryStream(model.Length);

        var reader = new ProtoReader(model);
        while (reader.Next(out var field, out var wire, out var start))
        {
            if (field == PiecesField && wire == LengthWire)
                pieces.Add(ReadPiece(reader.ReadLength()));
            else if (field == TrainerSpecField && wire == LengthWire)
            {
                var spec = reader.ReadLength();
                trainer = TrainerSpec.Read(spec);
                var fixedSpec = trainer.WithSpecialIdsInRange(spec);
                WriteTag(repaired, TrainerSpecField, LengthWire);
                WriteBytes(repaired, fixedSpec);
                continue;
            }
            else if (field == NormalizerSpecField && wire == LengthWire)
                normalizerName = ReadNormalizerName(reader.ReadLength()) ?? normalizerName;
            else
                reader.Skip(wire);
            repaired.Write(model, start, reader.Position - start);
        }

        if (pieces.Count == 0)
            throw new InvalidDataException("The SentencePiece model has no pieces.");
        return new SentencePieceModel(repaired.ToArray(), pieces, trainer.ModelType, trainer.UnkId,
            trainer.BosId, trainer.EosId, trainer.PadId, trainer.ByteFallback, normalizerName);
    }

    /// <summary>A Unigram model of these pieces (tokenizer.json's vocabulary), for repositories without spiece.model.</summary>
    public static SentencePieceModel FromPieces(IReadOnlyList<VocabularyPiece> pieces, int unknownId, int endOfSentenceId, int paddingId, bool byteFallback)
    {
        if ((uint)unknownId >= (uint)pieces.Count)
            throw new InvalidDataException($"The unknown piece id {unknownId} is not in the vocabulary of {pieces.Count}.");
        var model = new MemoryStream();
        Span<byte> score = stackalloc byte[4];
        foreach (var piece in pieces)
        {
            var entry = new MemoryStream();
            WriteStringField(entry, PieceField, piece.Piece);
            WriteTag(entry, ScoreField, Fixed32Wire);
            BinaryPrimitives.WriteSingleLittleEndian(score, piece.Score);
            entry.Write(score);
            WriteVarintField(entry, TypeField, (int)piece.Type);
            WriteTag(model, PiecesField, LengthWire);
            WriteBytes(model, entry.ToArray());
        }

        var endOfSentence = endOfSentenceId >= 0 && endOfSentenceId < pieces.Count ? endOfSentenceId : -1;
        var padding = paddingId >= 0 && paddingId < pieces.Count ? paddingId : -1;
        var spec = new MemoryStream();
        WriteVarintField(spec, ModelTypeField, UnigramModelType);
        WriteVarintField(spec, VocabSizeField, pieces.Count);
        WriteVarintField(spec, ByteFallbackField, byteFallback ? 1 : 0);
        WriteVarintField(spec, UnkIdField, unknownId);
        // No BOS: the library needs an id in range, and the unknown one changes nothing (see Read).
        WriteVarintField(spec, BosIdField, unknownId);
        WriteVarintField(spec, EosIdField, endOfSentence >= 0 ? endOfSentence : unknownId);
        WriteVarintField(spec, PadIdField, padding);
        WriteStringField(spec, UnkPieceField, pieces[unknownId].Piece);
        if (endOfSentence >= 0)
            WriteStringField(spec, EosPieceField, pieces[endOfSentence].Piece);
        if (padding >= 0)
            WriteStringField(spec, PadPieceField, pieces[padding].Piece);
        WriteTag(model, TrainerSpecField, LengthWire);
        WriteBytes(model, spec.ToArray());
        // The library requires a normalizer spec; the text arrives normalized (tokenizer.json's normalizer).
        var normalizer = new MemoryStream();
        WriteStringField(normalizer, NormalizerNameField, "identity");
        WriteTag(model, NormalizerSpecField, LengthWire);
        WriteBytes(model, normalizer.ToArray());

        return new SentencePieceModel(model.ToArray(), pieces, UnigramModelType, unknownId,
            -1, endOfSentence, padding, byteFallback, normalizerName: null);
    }

    private static VocabularyPiece ReadPiece(ReadOnlySpan<byte> bytes)
    {
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        var reader = new ProtoReader(bytes);
        while (reader.Next(out var field, out var wire, out _))
        {
            if (field == PieceField && wire == LengthWire)
                piece = Encoding.UTF8.GetString(reader.ReadLength());
            else if (field == ScoreField && wire == Fixed32Wire)
                score = BinaryPrimitives.ReadSingleLittleEndian(reader.ReadFixed32());
            else if (field == TypeField && wire == VarintWire)
                type = (PieceType)(int)reader.ReadVarint();
            else
                reader.Skip(wire);
        }
        return new VocabularyPiece(piece, score, type);
    }

    private static string? ReadNormalizerName(ReadOnlySpan<byte> bytes)
    {
        string? name = null;
        var reader = new ProtoReader(bytes);
        while (reader.Next(out var field, out var wire, out _))
        {
            if (field == NormalizerNameField && wire == LengthWire)
                name = Encoding.UTF8.GetString(reader.ReadLength());
            else
                reader.Skip(wire);
        }
        return name;
    }

    /// <summary>The TrainerSpec values this project reads, with proto2's defaults.</summary>
    private sealed class TrainerSpec
    {
        public int ModelType { get; private set; } = UnigramModelType;
        public int UnkId { get; private set; }
        public int BosId { get; private set; } = 1;
        public int EosId { get; private set; } = 2;
        public int PadId { get; private set; } = -1;
        public bool ByteFallback { get; private set; }

        public static TrainerSpec Read(ReadOnlySpan<byte> bytes)
        {
            var spec = new TrainerSpec();
            var reader = new ProtoReader(bytes);
            while (reader.Next(out var field, out var wire, out _))
            {
                if (wire != VarintWire)
                {
                    reader.Skip(wire);
                    continue;
                }
                var value = reader.ReadInt32();
                switch (field)
                {
                    case ModelTypeField: spec.ModelType = value; break;
                    case ByteFallbackField: spec.ByteFallback = value != 0; break;
                    case UnkIdField: spec.UnkId = value; break;
                    case BosIdField: spec.BosId = value; break;
                    case EosIdField: spec.EosId = value; break;
                    case PadIdField: spec.PadId = value; break;
                }
            }
            return spec;
        }

        /// <summary>The spec's bytes with a negative bos_id or eos_id replaced by unk_id; all else as it was.</summary>
        public byte[] WithSpecialIdsInRange(ReadOnlySpan<byte> bytes)
        {
            var output = new MemoryStream(bytes.Length);
            var reader = new ProtoReader(bytes);
            while (reader.Next(out var field, out var wire, out var start))
            {
                if (wire == VarintWire && field is BosIdField or EosIdField)
                {
                    if (reader.ReadInt32() < 0)
                    {
                        WriteVarintField(output, field, UnkId);
                        continue;
                    }
                }
                else
                    reader.Skip(wire);
                output.Write(bytes[start..reader.Position]);
            }
            return output.ToArray();
        }
    }

    private static void WriteTag(Stream stream, int field, int wire) => WriteVarint(stream, (ulong)((field << 3) | wire));

    private static void WriteVarintField(Stream stream, int field, int value)
    {
        WriteTag(stream, field, VarintWire);
        WriteVarint(stream, unchecked((ulong)(long)value));
    }

    private static void WriteStringField(Stream stream, int field, string value)
    {
        WriteTag(stream, field, LengthWire);
        WriteBytes(stream, Encoding.UTF8.GetBytes(value));
    }

    private static void WriteBytes(Stream stream, ReadOnlySpan<byte> bytes)
    {
        WriteVarint(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }

    /// <summary>Reads protobuf fields one after another; any malformed input is an InvalidDataException.</summary>
    private ref struct ProtoReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public int Position { get; private set; }

        public bool Next(out int field, out int wire, out int start)
        {
            start = Position;
            if (Position >= _bytes.Length)
            {
                field = wire = 0;
                return false;
            }
            var tag = ReadVarint();
            field = (int)(tag >> 3);
            wire = (int)(tag & 7);
            if (field == 0)
                throw new InvalidDataException("Not a SentencePiece model (a protobuf field numbered 0).");
            return true;
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (Position >= _bytes.Length)
                    throw new InvalidDataException("Not a SentencePiece model (the data ends inside a number).");
                var b = _bytes[Position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                    return value;
            }
            throw new InvalidDataException("Not a SentencePiece model (a number longer than ten bytes).");
        }

        /// <summary>An int32 field: a negative value is a ten-byte varint of its 64-bit two's complement.</summary>
        public int ReadInt32() => unchecked((int)(long)ReadVarint());

        public ReadOnlySpan<byte> ReadLength()
        {
            var length = ReadVarint();
            if (length > (ulong)(_bytes.Length - Position))
                throw new InvalidDataException("Not a SentencePiece model (a field runs past the end).");
            var slice = _bytes.Slice(Position, (int)length);
            Position += (int)length;
            return slice;
        }

        public ReadOnlySpan<byte> ReadFixed32() => Take(4);

        public void Skip(int wire)
        {
            switch (wire)
            {
                case VarintWire: ReadVarint(); break;
                case Fixed64Wire: Take(8); break;
                case LengthWire: ReadLength(); break;
                case Fixed32Wire: Take(4); break;
                default: throw new InvalidDataException($"Not a SentencePiece model (protobuf wire type {wire}).");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (_bytes.Length - Position < count)
                throw new InvalidDataException("Not a SentencePiece model (the data ends inside a field).");
            var slice = _bytes.Slice(Position, count);
            Position += count;
            return slice;
        }
    }
}
