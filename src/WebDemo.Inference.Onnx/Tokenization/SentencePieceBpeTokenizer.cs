using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;
using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>
/// SentencePiece BPE with byte fallback (Llama 2, TinyLlama, Mistral), as transformers.js runs
/// tokenizer.json. Each section between added tokens gets "▁" for its spaces and "▁" before it
/// (tokenizer.json's Prepend + Replace normalizer, or its Metaspace pre-tokenizer with its prepend
/// scheme; without tokenizer.json, SentencePiece's dummy prefix), then BPE: Microsoft.ML.Tokenizers'
/// <see cref="LlamaTokenizer"/> on tokenizer.model, or, where the repository has only tokenizer.json,
/// its <see cref="BpeTokenizer"/> on the vocabulary and merges with characters outside the
/// vocabulary as their UTF-8 bytes (&lt;0xNN&gt;), which is what byte fallback does (no merge
/// reaches across such a character). Decoding is <see cref="SentencePieceDecoding"/>'s: ▁ as space,
/// byte pieces as UTF-8, the first space dropped.
/// </summary>
internal sealed class SentencePieceBpeTokenizer : CausalLmTokenizer
{
    private const string Replacement = "\u2581";

    private readonly Func<string, IReadOnlyList<int>> _bpe;
    private readonly Prepend _prepend;
    private readonly SentencePieceDecoding _decoding;

    private enum Prepend
    {
        Always,
        First,
        Never,
    }

    private SentencePieceBpeTokenizer(TokenizerFiles files, Func<string, IReadOnlyList<int>> bpe, Prepend prepend, SentencePieceDecoding decoding)
        : base(files)
    {
        _bpe = bpe;
        _prepend = prepend;
        _decoding = decoding;
    }

    public static SentencePieceBpeTokenizer Load(ModelSnapshot snapshot, JsonElement? tokenizerJson)
    {
        var modelJson = tokenizerJson?.Member("model");
        var sentencePiece = snapshot.TryGet("tokenizer.model") is { } path ? SentencePieceModel.Read(File.ReadAllBytes(path)) : null;
        if (sentencePiece is { IsUnigram: true })
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"The tokenizer.model of '{snapshot.RepoId}' is a Unigram model; causal language models here need BPE.");

        var vocabulary = modelJson?.Member("vocab") is { ValueKind: JsonValueKind.Object } vocab
            ? vocab.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal)
            : sentencePiece!.Pieces.Select((p, id) => (p.Piece, id)).GroupBy(x => x.Piece)
                .ToDictionary(g => g.Key, g => g.First().id, StringComparer.Ordinal);
        var files = TokenizerFiles.Read(snapshot, tokenizerJson, vocabulary, () =>
            [.. sentencePiece!.Pieces.Select((p, id) => (p, id)).Where(x => x.p.Type is PieceType.Control or PieceType.Unknown)
                .Select(x => new AddedToken(x.id, x.p.Piece, Special: true))]);

        var unknownId = modelJson?.StringOrNull("unk_token") is { } unk && vocabulary.TryGetValue(unk, out var id) ? id
            : sentencePiece?.UnknownId ?? 0;
        var byteFallback = modelJson?.BoolOrNull("byte_fallback") ?? sentencePiece?.ByteFallback ?? false;
        var decoding = new SentencePieceDecoding(files.Tokens, files.Specials, unknownId, byteFallback,
            StripsLeadingSpace(tokenizerJson), files.CleanUpSpaces);

        Func<string, IReadOnlyList<int>> bpe;
        if (sentencePiece is not null)
        {
            var llama = LlamaTokenizer.Create(new MemoryStream(sentencePiece.Bytes), addBeginOfSentence: false, addEndOfSentence: false);
            bpe = text => llama.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false,
                considerPreTokenization: false, considerNormalization: false);
        }
        else
            bpe = FromTokenizerJson(modelJson!.Value, vocabulary, byteFallback, unknownId);
        return new SentencePieceBpeTokenizer(files, bpe, ReadPrepend(snapshot, tokenizerJson), decoding);
    }

    private protected override void EncodeSection(string section, int sectionIndex, List<int> ids)
    {
        var text = section.Replace(" ", Replacement, StringComparison.Ordinal);
        if (_prepend == Prepend.Always || (_prepend == Prepend.First && sectionIndex == 0))
            text = Replacement + text;
        ids.AddRange(_bpe(text));
    }

    public override IncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = true) =>
        new SentencePieceIncrementalDecoder(_decoding, skipSpecialTokens);

    /// <summary>
    /// BPE from tokenizer.json alone: the text in runs of characters the vocabulary has, each merged by
    /// <see cref="BpeTokenizer"/>, and each other character as its UTF-8 byte pieces (or the unknown token).
    /// </summary>
    private static Func<string, IReadOnlyList<int>> FromTokenizerJson(JsonElement model, Dictionary<string, int> vocabulary,
        bool byteFallback, int unknownId)
    {
        var merges = model.Member("merges") is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!).ToList()
            : throw new InvalidDataException("tokenizer.json's BPE model has no merges");
        var bpe = BpeTokenizer.Create(new BpeOptions(vocabulary) { Merges = merges });
        return text =>
        {
            var ids = new List<int>();
            var run = new StringBuilder();
            void EndRun()
            {
                if (run.Length > 0)
                    ids.AddRange(bpe.EncodeToIds(run.ToString(), considerPreTokenization: false, considerNormalization: false));
                run.Clear();
            }
            foreach (var rune in text.EnumerateRunes())
            {
                var character = rune.ToString();
                if (vocabulary.ContainsKey(character))
                {
                    run.Append(character);
                    continue;
                }
                EndRun();
                var bytes = Encoding.UTF8.GetBytes(character);
                if (byteFallback && bytes.All(b => vocabulary.ContainsKey($"<0x{b:X2}>")))
                    ids.AddRange(bytes.Select(b => vocabulary[$"<0x{b:X2}>"]));
                else if (ids.Count == 0 || ids[^1] != unknownId)
                    ids.Add(unknownId);
            }
            EndRun();
            return ids;
        };
    }

    /// <summary>
    /// Where "▁" goes before a section: tokenizer.json's Prepend normalizer (every section), its
    /// Metaspace pre-tokenizer (prepend_scheme, or add_prefix_space), else SentencePiece's dummy prefix.
    /// </summary>
    private static Prepend ReadPrepend(ModelSnapshot snapshot, JsonElement? tokenizerJson)
    {
        if (tokenizerJson is not { } json)
            return Prepend.Always;
        var prepend = Prepend.Never;
        foreach (var step in Steps(json.Member("normalizer"), "normalizers"))
        {
            switch (step.StringOrNull("type"))
            {
                case "Prepend" when step.StringOrNull("prepend") == Replacement:
                    prepend = Prepend.Always;
                    break;
                case "Replace" when step.Member("pattern")?.StringOrNull("String") == " " && step.StringOrNull("content") == Replacement:
                    break;
                case var other:
                    throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                        $"The tokenizer of '{snapshot.RepoId}' has a normalizer this app does not implement ({other}).");
            }
        }
        foreach (var step in Steps(json.Member("pre_tokenizer"), "pretokenizers"))
        {
            if (step.StringOrNull("type") != "Metaspace")
                throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                    $"The tokenizer of '{snapshot.RepoId}' has a pre-tokenizer this app does not implement ({step.StringOrNull("type")}).");
            prepend = step.StringOrNull("prepend_scheme") switch
            {
                "first" => Prepend.First,
                "never" => Prepend.Never,
                "always" => Prepend.Always,
                _ => step.BoolOrNull("add_prefix_space") == false ? Prepend.Never : Prepend.Always,
            };
        }
        return prepend;
    }

    /// <summary>Whether decoding drops the first leading space: a Strip decoder from the start, or a Metaspace decoder that prepends.</summary>
    private static bool StripsLeadingSpace(JsonElement? tokenizerJson) =>
        tokenizerJson is not { } json
        || Steps(json.Member("decoder"), "decoders").Any(step => step.StringOrNull("type") switch
        {
            "Strip" => step.IntOrNull("start") > 0,
            "Metaspace" => step.StringOrNull("prepend_scheme") != "never" && step.BoolOrNull("add_prefix_space") != false,
            _ => false,
        });
}
